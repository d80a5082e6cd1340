import {
  divRoundHalfUp,
  formatScaled,
  formatScaledTrimmed,
  normalizeDecimal,
  parseDecimal,
  rescale,
} from './decimal';
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

describe('decimal', () => {
  it('given plain decimals, when parsed, then numerator and scale are exact', () => {
    expect(parseDecimal('12.50')).toEqual({ numerator: 1250n, scale: 2 });
    expect(parseDecimal('-0.001')).toEqual({ numerator: -1n, scale: 3 });
    expect(parseDecimal('+7')).toEqual({ numerator: 7n, scale: 0 });
    expect(parseDecimal('-0')).toEqual({ numerator: 0n, scale: 0 });
  });

  it.each(['', ' 1', '1 ', '1,5', '.5', '5.', 'abc', '1.2.3', '--1', '0x10', 'NaN', 'Infinity', '١٢'])(
    'given %j, when parsed, then INVALID_DECIMAL',
    (text) => {
      expect(code(() => parseDecimal(text))).toBe('INVALID_DECIMAL');
    },
  );

  it('given exponent notation, when parsed, then a clear error says so', () => {
    expect(() => parseDecimal('1e3')).toThrow(/exponent notation/);
    expect(() => parseDecimal('1.5E-7')).toThrow(/exponent notation/);
  });

  it('given too many decimals for maxScale, when parsed, then TOO_MANY_DECIMALS', () => {
    expect(code(() => parseDecimal('0.123', { maxScale: 2 }))).toBe('TOO_MANY_DECIMALS');
  });

  it('given a negative where negatives are not allowed, then NEGATIVE_NOT_ALLOWED', () => {
    expect(code(() => parseDecimal('-1', { allowNegative: false }))).toBe('NEGATIVE_NOT_ALLOWED');
    expect(parseDecimal('-0', { allowNegative: false }).numerator).toBe(0n);
  });

  it('formats with fixed and trimmed scales, sign handled', () => {
    expect(formatScaled(-5n, 3)).toBe('-0.005');
    expect(formatScaled(12345n, 2)).toBe('123.45');
    expect(formatScaled(7n, 0)).toBe('7');
    expect(formatScaledTrimmed(1200n, 3)).toBe('1.2');
    expect(formatScaledTrimmed(1000n, 3)).toBe('1');
    expect(formatScaledTrimmed(0n, 3)).toBe('0');
  });

  it('rescales exactly and refuses to drop digits', () => {
    expect(rescale({ numerator: 15n, scale: 1 }, 3)).toBe(1500n);
    expect(rescale({ numerator: 1500n, scale: 3 }, 1)).toBe(15n);
    expect(code(() => rescale({ numerator: 1501n, scale: 3 }, 1))).toBe('TOO_MANY_DECIMALS');
    expect(normalizeDecimal({ numerator: 1500n, scale: 3 })).toEqual({ numerator: 15n, scale: 1 });
  });

  it('divRoundHalfUp rounds halves away from zero for every sign combination', () => {
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divRoundHalfUp(-5n, 2n)).toBe(-3n);
    expect(divRoundHalfUp(5n, -2n)).toBe(-3n);
    expect(divRoundHalfUp(-5n, -2n)).toBe(3n);
    expect(divRoundHalfUp(7n, 3n)).toBe(2n);
    expect(divRoundHalfUp(8n, 3n)).toBe(3n);
    expect(divRoundHalfUp(-8n, 3n)).toBe(-3n);
    expect(divRoundHalfUp(0n, 3n)).toBe(0n);
    expect(code(() => divRoundHalfUp(1n, 0n))).toBe('DIVISION_BY_ZERO');
  });

  it('property: divRoundHalfUp returns the nearest integer, ties away from zero (seeded)', () => {
    const rnd = new SeededRandom(20261127n);
    for (let i = 0; i < 2000; i++) {
      const n = rnd.bigint(30);
      let d = rnd.bigint(12);
      if (d === 0n) d = 1n;
      const q = divRoundHalfUp(n, d);
      const abs = (x: bigint) => (x < 0n ? -x : x);
      const err2 = abs(n - q * d) * 2n; // 2 × |n/d − q| × |d|
      expect(err2 <= abs(d)).toBe(true);
      if (err2 === abs(d)) expect(abs(q * d) > abs(n)).toBe(true); // tie went away from zero
    }
  });

  it('property: parse(format(n, s)) round-trips for random numerators and scales (seeded)', () => {
    const rnd = new SeededRandom(42n);
    for (let i = 0; i < 2000; i++) {
      const n = rnd.bigint(40);
      const s = rnd.int(20);
      const text = formatScaled(n, s);
      expect(rescale(parseDecimal(text), s)).toBe(n);
      expect(rescale(parseDecimal(formatScaledTrimmed(n, s)), s)).toBe(n);
    }
  });
});
