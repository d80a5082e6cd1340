import { MoneyError } from './errors';
import {
  applyMarkup,
  costNanocredits,
  maxCostNanocredits,
  nanocreditsPerMillion,
  splitPromptTokens,
} from './pricing';
import { SeededRandom } from './testing/seeded-random';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MoneyError) return e.code;
    throw e;
  }
  return undefined;
}

const prices = { inputPerMillion: '0.15', cachedInputPerMillion: '0.075', outputPerMillion: '0.6' };

describe('pricing', () => {
  it('given exact prices, when costed, then nanocredits are exact', () => {
    // 1M input at 0.15 credits = 0.15 credits = 150_000_000 nanocredits
    expect(costNanocredits({ inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 }, prices)).toBe(
      150_000_000n,
    );
    // 1 token at 0.15/M = 150 nanocredits; 1 cached at 0.075/M = 75; 1 output at 0.6/M = 600
    expect(costNanocredits({ inputTokens: 1, cachedInputTokens: 1, outputTokens: 1 }, prices)).toBe(825n);
    expect(costNanocredits({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, prices)).toBe(0n);
  });

  it('given parts that are each half a nanocredit, when costed, then the SUM is rounded once', () => {
    // 0.0005 credits/M = 0.5 nanocredits per token; 3 parts × 1 token = 1.5 → 2 (per-part would give 3)
    const half = { inputPerMillion: '0.0005', cachedInputPerMillion: '0.0005', outputPerMillion: '0.0005' };
    expect(costNanocredits({ inputTokens: 1, cachedInputTokens: 1, outputTokens: 1 }, half)).toBe(2n);
    // 0.4 + 0.4 (two parts) = 0.8 → 1 (per-part would give 0)
    const p = { inputPerMillion: '0.0004', cachedInputPerMillion: '0', outputPerMillion: '0.0004' };
    expect(costNanocredits({ inputTokens: 1, cachedInputTokens: 5, outputTokens: 1 }, p)).toBe(1n);
    // exactly half rounds up
    expect(costNanocredits({ inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 }, half)).toBe(1n);
    // just under half rounds down
    const under = { inputPerMillion: '0.000499999', outputPerMillion: '0' };
    expect(costNanocredits({ inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 }, under)).toBe(0n);
  });

  it('given no cached price, then cached tokens are charged at the input price', () => {
    expect(
      costNanocredits(
        { inputTokens: 0, cachedInputTokens: 10, outputTokens: 0 },
        { inputPerMillion: '2', outputPerMillion: '8' },
      ),
    ).toBe(20_000n);
  });

  it('property: the single rounding equals round(exact rational) computed independently (seeded)', () => {
    const rnd = new SeededRandom(123n);
    for (let i = 0; i < 1000; i++) {
      const t = [rnd.below(10_000_000n), rnd.below(10_000_000n), rnd.below(10_000_000n)];
      // prices with up to 12 decimals, as integers over 10^12
      const pN = [
        rnd.below(100_000_000_000_000n),
        rnd.below(100_000_000_000_000n),
        rnd.below(100_000_000_000_000n),
      ];
      const text = (n: bigint) => {
        const s = n.toString().padStart(13, '0');
        return `${s.slice(0, -12)}.${s.slice(-12)}`;
      };
      const cost = costNanocredits(
        { inputTokens: t[0], cachedInputTokens: t[1], outputTokens: t[2] },
        { inputPerMillion: text(pN[0]), cachedInputPerMillion: text(pN[1]), outputPerMillion: text(pN[2]) },
      );
      // exact nanocredits = Σ t·p / 10^12 / 10^6 × 10^9 = Σ t·p / 10^9
      const exact = t[0] * pN[0] + t[1] * pN[1] + t[2] * pN[2];
      const floor = exact / 1_000_000_000n;
      const rem = exact % 1_000_000_000n;
      expect(cost).toBe(rem >= 500_000_000n ? floor + 1n : floor);
    }
  });

  it('given invalid tokens or prices, then rejected', () => {
    expect(
      code(() => costNanocredits({ inputTokens: -1, cachedInputTokens: 0, outputTokens: 0 }, prices)),
    ).toBe('INVALID_TOKENS');
    expect(
      code(() => costNanocredits({ inputTokens: 1.5, cachedInputTokens: 0, outputTokens: 0 }, prices)),
    ).toBe('INVALID_TOKENS');
    expect(
      code(() =>
        costNanocredits(
          { inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 },
          { ...prices, outputPerMillion: '-1' },
        ),
      ),
    ).toBe('NEGATIVE_NOT_ALLOWED');
    expect(
      code(() =>
        costNanocredits(
          { inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 },
          { ...prices, inputPerMillion: '1e-3' },
        ),
      ),
    ).toBe('INVALID_DECIMAL');
  });

  it('splits OpenAI prompt tokens into uncached and cached; cached > prompt is an error', () => {
    expect(splitPromptTokens(1000, 200)).toEqual({ inputTokens: 800n, cachedInputTokens: 200n });
    expect(splitPromptTokens(5n, 5n)).toEqual({ inputTokens: 0n, cachedInputTokens: 5n });
    expect(code(() => splitPromptTokens(10, 11))).toBe('INVALID_TOKENS');
  });

  it('worst-case cost prices the prompt at the dearer input price', () => {
    expect(maxCostNanocredits(1_000_000, 1_000_000, prices)).toBe(750_000_000n);
    expect(
      maxCostNanocredits(1_000_000, 0, {
        inputPerMillion: '1',
        cachedInputPerMillion: '3',
        outputPerMillion: '0',
      }),
    ).toBe(3_000_000_000n);
  });

  it('applies markup exactly', () => {
    expect(applyMarkup('0.15', '20')).toBe('0.18');
    expect(applyMarkup('0.15', '12.5')).toBe('0.16875');
    expect(applyMarkup('2', '0')).toBe('2');
    expect(applyMarkup('2', '-50')).toBe('1');
    expect(applyMarkup('0.1', '33.333')).toBe('0.133333');
    expect(code(() => applyMarkup('1', '-101'))).toBe('NEGATIVE_NOT_ALLOWED');
    expect(nanocreditsPerMillion('0.15')).toBe(150_000_000n);
  });
});
