import { formatScaled, formatScaledTrimmed, parseDecimal } from './decimal';
import { MoneyError } from './errors';

/** Credits are counted in nanocredits: 1 credit = 10^9 nanocredits. Always a bigint. */
export type Nanocredits = bigint;

export const CREDIT_DECIMALS = 9;
export const NANOS_PER_CREDIT = 1_000_000_000n;

/** Integer text as stored in event payloads: optional minus, no leading zeros, no "-0". */
const INTEGER_RE = /^(0|-?[1-9]\d*)$/;
/** Bounds payload strings (10^40 nanocredits is far beyond any real balance). */
const MAX_INTEGER_DIGITS = 40;

/**
 * Parses human credit text ("12.5", "-3", "0.000000001") into nanocredits. At most 9 decimals;
 * empty text, garbage and exponent notation are rejected with a MoneyError.
 */
export function parseCredits(text: string): Nanocredits {
  const { numerator, scale } = parseDecimal(text, { maxScale: CREDIT_DECIMALS, what: 'credit amount' });
  return numerator * 10n ** BigInt(CREDIT_DECIMALS - scale);
}

/** Exact credit text with all 9 decimals: 12_500_000_000n → "12.500000000", -1n → "-0.000000001". */
export function formatCredits(amount: Nanocredits): string {
  return formatScaled(amount, CREDIT_DECIMALS);
}

/** Exact credit text without trailing zeros: 12_500_000_000n → "12.5", 3_000_000_000n → "3". */
export function formatCreditsTrimmed(amount: Nanocredits): string {
  return formatScaledTrimmed(amount, CREDIT_DECIMALS);
}

/** Nanocredits → event payload text (plain integer decimal string). */
export function nanocreditsToString(amount: Nanocredits): string {
  if (typeof amount !== 'bigint') throw new MoneyError('INVALID_INTEGER', 'nanocredits must be a bigint');
  return amount.toString();
}

/** Event payload text → nanocredits. Accepts only canonical integer strings ("0", "-15", "1200"). */
export function nanocreditsFromString(text: string): Nanocredits {
  return parseIntegerString(text, 'nanocredits');
}

/** True when `text` is a canonical integer string as used in payloads. */
export function isIntegerString(text: unknown): text is string {
  return typeof text === 'string' && text.length <= MAX_INTEGER_DIGITS + 1 && INTEGER_RE.test(text);
}

/** True when `text` is a canonical non-negative integer string. */
export function isNonNegativeIntegerString(text: unknown): text is string {
  return isIntegerString(text) && !text.startsWith('-');
}

/** Canonical integer string → bigint (shared by nanocredits and fiat minor units). */
export function parseIntegerString(text: string, what = 'integer'): bigint {
  if (!isIntegerString(text))
    throw new MoneyError(
      'INVALID_INTEGER',
      `${what}: expected a plain integer string (no sign "+", no leading zeros, no decimals), got ${JSON.stringify(text)}`,
    );
  return BigInt(text);
}

export function minNanocredits(a: Nanocredits, b: Nanocredits): Nanocredits {
  return a < b ? a : b;
}

export function maxNanocredits(a: Nanocredits, b: Nanocredits): Nanocredits {
  return a > b ? a : b;
}
