import {
  chargeNanocredits,
  sellPricesPerMillion,
  type SellPrice,
  type TokenUsage,
} from '@tollgate/gateway-core';
import { REFERENCE_TOKEN_MIX } from '@tollgate/catalog';
import { formatCredits, percentFloor, type TokenPrices } from '@tollgate/money';

/**
 * The reference token mix every margin on the admin pages is computed on, the same one the catalog's
 * margin review uses when an alias is opened: one million tokens as a typical chat workload, 600,000
 * uncached input, 100,000 cached input and 300,000 output tokens. Cost and price are the exact
 * nanocredits the gateway would charge for that usage (same pricing code, one half-up rounding).
 */
export const REFERENCE_MIX: Readonly<TokenUsage> = Object.freeze({
  // OpenAI counts cached tokens inside prompt tokens.
  promptTokens: Number(REFERENCE_TOKEN_MIX.inputTokens) + Number(REFERENCE_TOKEN_MIX.cachedInputTokens),
  cachedTokens: Number(REFERENCE_TOKEN_MIX.cachedInputTokens),
  completionTokens: Number(REFERENCE_TOKEN_MIX.outputTokens),
  reasoningTokens: 0,
  estimated: false,
});

export const REFERENCE_MIX_TEXT =
  '600,000 uncached input, 100,000 cached input and 300,000 output tokens (one million in all)';

/** Margin % is shown with this many decimals, rounded down: never better than it is. */
const MARGIN_DECIMALS = 2;

export interface ReferenceMargin {
  /** Provider cost of the reference mix, exact decimal credits. */
  costCredits: string;
  /** What the customer pays for it, exact decimal credits. */
  priceCredits: string;
  /** (price − cost) / price × 100, 2 decimals, rounded toward −∞; null when the price is zero. */
  marginPercent: string | null;
  /** price − cost, decimal credits (negative: sold at a loss). */
  profitCredits: string;
  /** Sold at a loss, or for nothing. */
  loss: boolean;
}

/**
 * Gross margin of selling `sell` on a deployment with provider cost `cost`, on the reference mix.
 * Null when the sell price cannot be applied (a markup with no cost profile).
 */
export function referenceMargin(cost: TokenPrices | null, sell: SellPrice | null): ReferenceMargin | null {
  if (!cost || !sell) return null;
  const prices = sellPricesPerMillion(sell, cost);
  if (!prices) return null;
  const costNanocredits = chargeNanocredits(REFERENCE_MIX, cost);
  const priceNanocredits = chargeNanocredits(REFERENCE_MIX, prices);
  const profit = priceNanocredits - costNanocredits;
  return {
    costCredits: formatCredits(costNanocredits),
    priceCredits: formatCredits(priceNanocredits),
    marginPercent: priceNanocredits <= 0n ? null : percentFloor(profit, priceNanocredits, MARGIN_DECIMALS),
    profitCredits: formatCredits(profit),
    loss: profit < 0n || priceNanocredits === 0n,
  };
}
