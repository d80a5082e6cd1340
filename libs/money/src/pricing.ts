import { NANOS_PER_CREDIT, Nanocredits } from './credits';
import {
  divRoundHalfUp,
  formatDecimal,
  normalizeDecimal,
  parseDecimal,
  pow10,
  ScaledDecimal,
} from './decimal';
import { MoneyError } from './errors';

/**
 * Token prices are decimal strings in CREDITS per million tokens: "0.15" = 0.15 credits per 1M tokens.
 *
 * Token convention (OpenAI's usage object counts cached tokens INSIDE prompt_tokens and reasoning
 * tokens INSIDE completion_tokens):
 * - `inputTokens`: prompt tokens NOT served from cache (prompt_tokens − cached_tokens; see
 *   `splitPromptTokens`),
 * - `cachedInputTokens`: prompt tokens served from cache,
 * - `outputTokens`: completion_tokens as reported — reasoning tokens are already in there and are
 *   charged once, at the output price, never again.
 */
export interface TokenCounts {
  inputTokens: number | bigint;
  cachedInputTokens: number | bigint;
  outputTokens: number | bigint;
}

export interface TokenPrices {
  /** Credits per 1M uncached input tokens. */
  inputPerMillion: string;
  /** Credits per 1M cached input tokens; defaults to `inputPerMillion` when a provider has no cache price. */
  cachedInputPerMillion?: string;
  /** Credits per 1M output tokens (reasoning included). */
  outputPerMillion: string;
}

/** Prices may have at most this many decimals (1e-18 credits per 1M tokens is far below a nanocredit). */
export const MAX_PRICE_DECIMALS = 18;
/** Token counts above this are refused as nonsense (10^15 tokens in one request). */
export const MAX_TOKENS_PER_REQUEST = 1_000_000_000_000_000n;

const TOKENS_PER_MILLION_DIGITS = 6;
const NANO_DIGITS = 9;

/** Validates a token count (non-negative safe integer or bigint) and returns it as a bigint. */
export function toTokenCount(value: number | bigint, what = 'token count'): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else
    throw new MoneyError('INVALID_TOKENS', `${what}: expected a non-negative integer, got ${String(value)}`);
  if (n < 0n) throw new MoneyError('INVALID_TOKENS', `${what}: must not be negative, got ${n}`);
  if (n > MAX_TOKENS_PER_REQUEST) throw new MoneyError('INVALID_TOKENS', `${what}: implausibly large (${n})`);
  return n;
}

/** Parsed prices, keyed by text: a price book has few distinct prices and costing is per request. */
const priceCache = new Map<string, ScaledDecimal>();
const MAX_CACHED_PRICES = 10_000;

/** Parses a price per million tokens: non-negative decimal string, ≤ 18 decimals. */
export function parsePricePerMillion(text: string, what = 'price per million tokens'): ScaledDecimal {
  const cached = priceCache.get(text);
  if (cached) return cached;
  const parsed = Object.freeze(
    parseDecimal(text, { maxScale: MAX_PRICE_DECIMALS, allowNegative: false, what }),
  );
  if (priceCache.size >= MAX_CACHED_PRICES) priceCache.clear();
  priceCache.set(text, parsed);
  return parsed;
}

/**
 * Splits OpenAI-style prompt tokens into uncached + cached. Errors if cached > prompt (a provider bug
 * we must not turn into a negative charge).
 */
export function splitPromptTokens(
  promptTokens: number | bigint,
  cachedTokens: number | bigint,
): { inputTokens: bigint; cachedInputTokens: bigint } {
  const prompt = toTokenCount(promptTokens, 'prompt tokens');
  const cached = toTokenCount(cachedTokens, 'cached tokens');
  if (cached > prompt)
    throw new MoneyError('INVALID_TOKENS', `cached tokens (${cached}) exceed prompt tokens (${prompt})`);
  return { inputTokens: prompt - cached, cachedInputTokens: cached };
}

/**
 * Exact cost of one request in nanocredits:
 *   Σ_part tokens × pricePerMillion / 10^6 credits, summed EXACTLY as a rational, then rounded ONCE,
 *   half away from zero, to a whole nanocredit (not per part). Never negative.
 */
export function costNanocredits(tokens: TokenCounts, prices: TokenPrices): Nanocredits {
  const input = parsePricePerMillion(prices.inputPerMillion, 'input price');
  const cached = parsePricePerMillion(
    prices.cachedInputPerMillion ?? prices.inputPerMillion,
    'cached input price',
  );
  const output = parsePricePerMillion(prices.outputPerMillion, 'output price');
  const inputTokens = toTokenCount(tokens.inputTokens, 'input tokens');
  const cachedTokens = toTokenCount(tokens.cachedInputTokens, 'cached input tokens');
  const outputTokens = toTokenCount(tokens.outputTokens, 'output tokens');
  let scale = input.scale;
  if (cached.scale > scale) scale = cached.scale;
  if (output.scale > scale) scale = output.scale;
  // Σ tokens × price, all at `scale` decimals: credits×10^6 (per-million prices) as one exact integer.
  const numerator =
    inputTokens * input.numerator * pow10(scale - input.scale) +
    cachedTokens * cached.numerator * pow10(scale - cached.scale) +
    outputTokens * output.numerator * pow10(scale - output.scale);
  // credits = numerator / 10^(scale+6); nanocredits = that × 10^9, rounded once.
  const denominatorDigits = scale + TOKENS_PER_MILLION_DIGITS;
  if (denominatorDigits <= NANO_DIGITS) return numerator * pow10(NANO_DIGITS - denominatorDigits);
  return divRoundHalfUp(numerator, pow10(denominatorDigits - NANO_DIGITS));
}

/** Worst-case cost of a request whose counts are upper bounds (admission). Same rounding. */
export function maxCostNanocredits(
  promptTokens: number | bigint,
  maxOutputTokens: number | bigint,
  prices: TokenPrices,
): Nanocredits {
  // Price the prompt at the dearer of cached/uncached: the cache hit is unknown before the call.
  const input = parsePricePerMillion(prices.inputPerMillion);
  const cached = parsePricePerMillion(prices.cachedInputPerMillion ?? prices.inputPerMillion);
  const dearer =
    compareDecimals(input, cached) >= 0
      ? prices.inputPerMillion
      : (prices.cachedInputPerMillion ?? prices.inputPerMillion);
  return costNanocredits(
    { inputTokens: promptTokens, cachedInputTokens: 0n, outputTokens: maxOutputTokens },
    { inputPerMillion: dearer, outputPerMillion: prices.outputPerMillion },
  );
}

/** Compares two decimals exactly. */
export function compareDecimals(a: ScaledDecimal, b: ScaledDecimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = a.numerator * pow10(scale - a.scale);
  const y = b.numerator * pow10(scale - b.scale);
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * Sell price from a cost price: price × (1 + markupPercent/100), as an EXACT decimal string (no
 * rounding: the product of two finite decimals is a finite decimal). Markup may be negative (a
 * discount) but not below −100%. Result is normalized ("0.18", not "0.180000").
 */
export function applyMarkup(pricePerMillion: string, markupPercent: string): string {
  const price = parsePricePerMillion(pricePerMillion);
  const markup = parseDecimal(markupPercent, { maxScale: MAX_PRICE_DECIMALS, what: 'markup percent' });
  // factor = (100×10^m + markup) / (100×10^m)
  const factorNumerator = 100n * pow10(markup.scale) + markup.numerator;
  if (factorNumerator < 0n)
    throw new MoneyError('NEGATIVE_NOT_ALLOWED', `markup ${markupPercent}% would make the price negative`);
  // 100 = 10^2, so the result is exactly numerator / 10^(price.scale + markup.scale + 2).
  const result = normalizeDecimal({
    numerator: price.numerator * factorNumerator,
    scale: price.scale + markup.scale + 2,
  });
  if (result.scale > MAX_PRICE_DECIMALS)
    throw new MoneyError('TOO_MANY_DECIMALS', `marked-up price has more than ${MAX_PRICE_DECIMALS} decimals`);
  return formatDecimal(result);
}

/** Credits (as a decimal price per 1M tokens) → nanocredits for exactly 1M tokens, rounded half-up. */
export function nanocreditsPerMillion(pricePerMillion: string): Nanocredits {
  const price = parsePricePerMillion(pricePerMillion);
  return divRoundHalfUp(price.numerator * NANOS_PER_CREDIT, pow10(price.scale));
}
