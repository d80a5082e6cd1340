import { divRoundHalfUp, formatScaled, parseDecimal, pow10 } from './decimal';
import { MoneyError } from './errors';
import { isIntegerString, parseIntegerString } from './credits';

/** Fiat money: an integer count of the currency's minor unit (cents for USD, yen for JPY). */
export interface Money {
  readonly amountMinor: bigint;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
}

const exponentCache = new Map<string, number>();
let supportedCurrencies: ReadonlySet<string> | undefined;

function supported(): ReadonlySet<string> {
  supportedCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return supportedCurrencies;
}

/** True for an upper-case ISO 4217 code this runtime's ICU knows. */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && supported().has(code);
}

/**
 * Minor-unit exponent (decimal places) of an ISO 4217 currency: USD 2, JPY 0, KWD 3. Taken from ICU
 * (Intl) rather than a hand-kept table; unknown codes are rejected because ICU would silently say 2.
 */
export function currencyExponent(currency: string): number {
  const cached = exponentCache.get(currency);
  if (cached !== undefined) return cached;
  if (!isCurrencyCode(currency))
    throw new MoneyError('UNKNOWN_CURRENCY', `unknown ISO 4217 currency code ${JSON.stringify(currency)}`);
  const exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
  if (exponent === undefined) throw new MoneyError('UNKNOWN_CURRENCY', `no exponent known for ${currency}`);
  exponentCache.set(currency, exponent);
  return exponent;
}

export function money(amountMinor: bigint, currency: string): Money {
  if (typeof amountMinor !== 'bigint')
    throw new MoneyError('INVALID_INTEGER', 'amountMinor must be a bigint');
  currencyExponent(currency);
  return { amountMinor, currency };
}

export function zeroMoney(currency: string): Money {
  return money(0n, currency);
}

/** "12.5" USD → 1250n. More decimals than the currency has is an error (no silent rounding). */
export function parseMoney(text: string, currency: string): Money {
  const exponent = currencyExponent(currency);
  const { numerator, scale } = parseDecimal(text, { maxScale: exponent, what: `${currency} amount` });
  return { amountMinor: numerator * pow10(exponent - scale), currency };
}

/** Exact major-unit text with the currency's decimals, no symbol: 1250n USD → "12.50". */
export function formatMoney(value: Money): string {
  return formatScaled(value.amountMinor, currencyExponent(value.currency));
}

/** "12.50 USD": unambiguous, locale-free. */
export function formatMoneyWithCurrency(value: Money): string {
  return `${formatMoney(value)} ${value.currency}`;
}

/** Event payload text (minor units as an integer string) → Money. */
export function moneyFromMinorString(text: string, currency: string): Money {
  return money(parseIntegerString(text, `${currency} minor units`), currency);
}

export function isMinorUnitsString(text: unknown): text is string {
  return isIntegerString(text);
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency)
    throw new MoneyError('CURRENCY_MISMATCH', `cannot combine ${a.currency} with ${b.currency}`);
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amountMinor: a.amountMinor + b.amountMinor, currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amountMinor: a.amountMinor - b.amountMinor, currency: a.currency };
}

export function negateMoney(a: Money): Money {
  return { amountMinor: -a.amountMinor, currency: a.currency };
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amountMinor === b.amountMinor ? 0 : a.amountMinor < b.amountMinor ? -1 : 1;
}

export function sumMoney(values: readonly Money[], currency: string): Money {
  let total = zeroMoney(currency);
  for (const v of values) total = addMoney(total, v);
  return total;
}

/**
 * `ratePercent` % of `value` (e.g. VAT "19", "7.5"), rounded once to the minor unit, half away from
 * zero. The rate is a decimal string so no float ever touches the amount.
 */
export function percentOfMoney(value: Money, ratePercent: string): Money {
  const rate = parseDecimal(ratePercent, { what: 'percentage rate' });
  const amountMinor = divRoundHalfUp(value.amountMinor * rate.numerator, 100n * pow10(rate.scale));
  return { amountMinor, currency: value.currency };
}

/**
 * Splits `value` into `weights.length` parts proportional to the weights, summing exactly to `value`
 * (largest-remainder method; ties go to the earlier part). Useful for tax/line allocation.
 */
export function allocateMoney(value: Money, weights: readonly bigint[]): Money[] {
  if (weights.length === 0) throw new MoneyError('DIVISION_BY_ZERO', 'allocate: no weights');
  const total = weights.reduce((s, w) => s + w, 0n);
  if (total <= 0n || weights.some((w) => w < 0n))
    throw new MoneyError('DIVISION_BY_ZERO', 'allocate: weights must be non-negative with a positive sum');
  const negative = value.amountMinor < 0n;
  const amount = negative ? -value.amountMinor : value.amountMinor;
  const parts = weights.map((w) => (amount * w) / total);
  const remainders = weights.map((w, i) => ({ i, r: (amount * w) % total }));
  let left = amount - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] += 1n;
    left -= 1n;
  }
  return parts.map((p) => ({ amountMinor: negative ? -p : p, currency: value.currency }));
}
