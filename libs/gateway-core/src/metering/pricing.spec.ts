import { chargeNanocredits, sellPricesPerMillion, worstCaseNanocredits } from './pricing';
import { usageFromOpenAi } from './usage';
import { maxOutputTokens } from './estimate';

const costPrices = { inputPerMillion: '2.5', cachedInputPerMillion: '1.25', outputPerMillion: '10' };

describe('metering', () => {
  it('given usage with cached and reasoning tokens, when charged, then cached are charged at the cached price and reasoning once', () => {
    const usage = usageFromOpenAi({
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 400 },
      completion_tokens_details: { reasoning_tokens: 300 },
    });
    expect(usage).toEqual({
      promptTokens: 1000,
      cachedTokens: 400,
      completionTokens: 500,
      reasoningTokens: 300,
      estimated: false,
    });
    // 600×2.5 + 400×1.25 + 500×10 = 1500 + 500 + 5000 = 7000 credits per 1M → 0.007 credits.
    expect(chargeNanocredits(usage!, costPrices)).toBe(7_000_000n);
  });

  it('given a fractional nanocredit total, when charged, then it is rounded once, half-up', () => {
    // 1 token at 0.0005 credits per 1M = 0.5 nanocredits → 1; at 0.0004 = 0.4 → 0.
    expect(
      chargeNanocredits(
        { promptTokens: 1, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0, estimated: false },
        { inputPerMillion: '0.0005', outputPerMillion: '0' },
      ),
    ).toBe(1n);
    expect(
      chargeNanocredits(
        { promptTokens: 1, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0, estimated: false },
        { inputPerMillion: '0.0004', outputPerMillion: '0' },
      ),
    ).toBe(0n);
  });

  it('given a 20% markup, when the sell prices are derived, then every component is marked up exactly', () => {
    expect(sellPricesPerMillion({ kind: 'markup', markupPercent: '20' }, costPrices)).toEqual({
      inputPerMillion: '3',
      cachedInputPerMillion: '1.5',
      outputPerMillion: '12',
    });
    expect(sellPricesPerMillion({ kind: 'markup', markupPercent: '20' }, null)).toBeNull();
  });

  it('given cached tokens above prompt tokens, when read, then they are clamped to the prompt', () => {
    expect(
      usageFromOpenAi({
        prompt_tokens: 10,
        completion_tokens: 1,
        prompt_tokens_details: { cached_tokens: 50 },
      })?.cachedTokens,
    ).toBe(10);
    expect(usageFromOpenAi({ completion_tokens: 1 })).toBeNull();
    expect(usageFromOpenAi(null)).toBeNull();
  });

  it('given max_tokens and n, when the worst case is estimated, then it covers every choice at the output price', () => {
    expect(maxOutputTokens({ max_tokens: 100, n: 3 }, null)).toBe(300);
    expect(maxOutputTokens({ max_completion_tokens: 50, max_tokens: 100 }, null)).toBe(50);
    expect(maxOutputTokens({}, 256)).toBe(256);
    // 1000 prompt at the dearer input price (2.5) + 300 output at 10 = 2500 + 3000 = 5500 per 1M.
    expect(worstCaseNanocredits(1000, 300, costPrices)).toBe(5_500_000n);
  });
});
