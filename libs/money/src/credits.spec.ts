import {
  formatCredits,
  formatCreditsTrimmed,
  NANOS_PER_CREDIT,
  nanocreditsFromString,
  nanocreditsToString,
  parseCredits,
} from './credits';
import { MoneyError } from './errors';
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

describe('credits', () => {
  it('given credit text, when parsed, then nanocredits are exact', () => {
    expect(NANOS_PER_CREDIT).toBe(1_000_000_000n);
    expect(parseCredits('12.5')).toBe(12_500_000_000n);
    expect(parseCredits('0.000000001')).toBe(1n);
    expect(parseCredits('-3')).toBe(-3_000_000_000n);
    expect(parseCredits('123456789012345678901234567890')).toBe(
      123456789012345678901234567890n * NANOS_PER_CREDIT,
    );
  });

  it('given more than 9 decimals, when parsed, then TOO_MANY_DECIMALS', () => {
    expect(code(() => parseCredits('0.0000000001'))).toBe('TOO_MANY_DECIMALS');
  });

  it.each(['', 'ten', '1e9', '1.', '1_000', ' 5'])('given %j, when parsed, then rejected', (text) => {
    expect(code(() => parseCredits(text))).toBe('INVALID_DECIMAL');
  });

  it('given nanocredits, when formatted, then exact with 9 decimals or trimmed', () => {
    expect(formatCredits(12_500_000_000n)).toBe('12.500000000');
    expect(formatCredits(-1n)).toBe('-0.000000001');
    expect(formatCredits(0n)).toBe('0.000000000');
    expect(formatCreditsTrimmed(12_500_000_000n)).toBe('12.5');
    expect(formatCreditsTrimmed(-3_000_000_000n)).toBe('-3');
    expect(formatCreditsTrimmed(1n)).toBe('0.000000001');
  });

  it('given payload strings, when converted, then only canonical integers are accepted', () => {
    expect(nanocreditsFromString('0')).toBe(0n);
    expect(nanocreditsFromString('-15')).toBe(-15n);
    expect(nanocreditsToString(1200n)).toBe('1200');
    for (const bad of ['', '-0', '01', '+1', '1.0', '1e3', ' 1', 'x', '9'.repeat(50)])
      expect(code(() => nanocreditsFromString(bad))).toBe('INVALID_INTEGER');
  });

  it('property: parseCredits(formatCredits(n)) === n and payload strings round-trip (seeded)', () => {
    const rnd = new SeededRandom(7n);
    for (let i = 0; i < 3000; i++) {
      const n = rnd.bigint(30);
      expect(parseCredits(formatCredits(n))).toBe(n);
      expect(parseCredits(formatCreditsTrimmed(n))).toBe(n);
      expect(nanocreditsFromString(nanocreditsToString(n))).toBe(n);
    }
  });
});
