import { MoneyError } from './errors';

/**
 * Exact decimals as a scaled bigint: value = numerator / 10^scale. `scale` is a digit count, never an
 * amount, so it is a plain (small, bounded) integer.
 */
export interface ScaledDecimal {
  readonly numerator: bigint;
  readonly scale: number;
}

/** Upper bound on decimals we accept anywhere (keeps 10^scale small and inputs sane). */
export const MAX_DECIMAL_SCALE = 30;
/** Upper bound on the length of any decimal text we parse (before the dot plus after it). */
export const MAX_DECIMAL_LENGTH = 80;

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

const POW10: bigint[] = [];
for (let i = 0; i <= MAX_DECIMAL_SCALE * 2 + 20; i++) POW10.push(10n ** BigInt(i));

/** 10^n for a non-negative digit count. */
export function pow10(n: number): bigint {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`pow10: invalid exponent ${n}`);
  return n < POW10.length ? POW10[n] : 10n ** BigInt(n);
}

export interface ParseDecimalOptions {
  /** Reject more decimals than this (default MAX_DECIMAL_SCALE). */
  maxScale?: number;
  /** Reject a leading minus (default true: negatives allowed). */
  allowNegative?: boolean;
  /** Name used in error messages, e.g. "credit amount". */
  what?: string;
}

/**
 * Parses a plain decimal string ("12", "-0.5", "+3.140"). Rejects empty text, whitespace, exponent
 * notation ("1e3"), a bare dot (".5", "5."), thousands separators and anything else.
 */
export function parseDecimal(text: string, options: ParseDecimalOptions = {}): ScaledDecimal {
  const what = options.what ?? 'decimal';
  const maxScale = options.maxScale ?? MAX_DECIMAL_SCALE;
  if (typeof text !== 'string') throw new MoneyError('INVALID_DECIMAL', `${what}: expected a string`);
  if (text.length === 0) throw new MoneyError('INVALID_DECIMAL', `${what}: empty string`);
  if (text.length > MAX_DECIMAL_LENGTH)
    throw new MoneyError('INVALID_DECIMAL', `${what}: longer than ${MAX_DECIMAL_LENGTH} characters`);
  const m = DECIMAL_RE.exec(text);
  if (!m) {
    if (/^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(text))
      throw new MoneyError(
        'INVALID_DECIMAL',
        `${what}: exponent notation is not accepted (${JSON.stringify(text)}); write the digits out`,
      );
    throw new MoneyError('INVALID_DECIMAL', `${what}: not a plain decimal number: ${JSON.stringify(text)}`);
  }
  const [, sign, intPart, fracPart = ''] = m;
  if (fracPart.length > maxScale)
    throw new MoneyError(
      'TOO_MANY_DECIMALS',
      `${what}: at most ${maxScale} decimal places allowed, got ${fracPart.length} in ${JSON.stringify(text)}`,
    );
  const magnitude = BigInt(intPart + fracPart);
  const negative = sign === '-' && magnitude !== 0n;
  if (negative && options.allowNegative === false)
    throw new MoneyError('NEGATIVE_NOT_ALLOWED', `${what}: must not be negative: ${JSON.stringify(text)}`);
  return { numerator: negative ? -magnitude : magnitude, scale: fracPart.length };
}

/** Formats numerator / 10^scale with exactly `scale` decimals ("-0.050" for -50n, 3). */
export function formatScaled(numerator: bigint, scale: number): string {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`formatScaled: invalid scale ${scale}`);
  const negative = numerator < 0n;
  const digits = (negative ? -numerator : numerator).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const fracPart = digits.slice(digits.length - scale);
  return (negative ? '-' : '') + intPart + (scale > 0 ? '.' + fracPart : '');
}

/** Like formatScaled but without trailing fractional zeros (and without a dangling dot). */
export function formatScaledTrimmed(numerator: bigint, scale: number): string {
  const full = formatScaled(numerator, scale);
  if (scale === 0) return full;
  return full.replace(/\.?0+$/, '');
}

/** Canonical text of a ScaledDecimal: trimmed, "0" for zero. */
export function formatDecimal(value: ScaledDecimal): string {
  return formatScaledTrimmed(value.numerator, value.scale);
}

/** Re-expresses a decimal at a larger (or equal) scale, exactly. Throws if digits would be lost. */
export function rescale(value: ScaledDecimal, scale: number): bigint {
  if (scale >= value.scale) return value.numerator * pow10(scale - value.scale);
  const factor = pow10(value.scale - scale);
  if (value.numerator % factor !== 0n)
    throw new MoneyError(
      'TOO_MANY_DECIMALS',
      `${formatDecimal(value)} has more than ${scale} significant decimal places`,
    );
  return value.numerator / factor;
}

/** Removes trailing zeros from the numerator (smallest scale with the same value). */
export function normalizeDecimal(value: ScaledDecimal): ScaledDecimal {
  let { numerator, scale } = value;
  while (scale > 0 && numerator % 10n === 0n) {
    numerator /= 10n;
    scale -= 1;
  }
  return { numerator, scale };
}

/**
 * numerator / denominator rounded to the nearest integer; exact halves round AWAY FROM ZERO
 * ("half-up" in the commercial sense: 2.5 → 3, -2.5 → -3). This is the one rounding rule for money.
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new MoneyError('DIVISION_BY_ZERO', 'division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = n / d;
  const r = n % d;
  const rounded = r * 2n >= d ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** Exact multiplication of two decimals. */
export function multiplyDecimals(a: ScaledDecimal, b: ScaledDecimal): ScaledDecimal {
  return { numerator: a.numerator * b.numerator, scale: a.scale + b.scale };
}

/**
 * `part` as a percentage of `whole` (whole ≠ 0) with `decimals` decimals, rounded toward −∞: a margin
 * is never shown better than it is. `percentFloor(-1n, 8n, 2)` → "-12.50".
 */
export function percentFloor(part: bigint, whole: bigint, decimals: number): string {
  if (whole === 0n) throw new RangeError('percentFloor: whole is zero');
  const a = part * 100n * 10n ** BigInt(decimals);
  const q = a / whole;
  const floored = a % whole !== 0n && a < 0n !== whole < 0n ? q - 1n : q;
  return formatScaled(floored, decimals);
}
