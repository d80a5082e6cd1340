import {
  effectiveCostAt,
  effectivePriceAt,
  tokenPricesOf,
  type CostHistory,
  type PriceHistory,
  type SellPriceSpec,
} from '@tollgate/catalog';
import {
  chargeNanocredits,
  sellPricesPerMillion,
  type SellPrice,
  type TokenUsage,
} from '@tollgate/gateway-core';

/**
 * Costing and re-rating of one recorded request against the catalog histories, with the gateway's own
 * pricing code (exact decimals, one half-up rounding per request): the margin read models, the preview
 * and re-rating all go through here, so they cannot disagree.
 */
export interface RatedRequest {
  accountId: string;
  workspaceId: string;
  alias: string;
  provider: string;
  upstreamModel: string;
  status: string;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  occurredAtMs: number;
  /** providerCostNanocredits as the gateway recorded it (used when no cost profile is known). */
  recordedCostNanocredits: bigint;
  /** priceNanocredits: what the customer was charged. Never changed here. */
  chargedNanocredits: bigint;
}

export interface CostResult {
  costNanocredits: bigint;
  /** `v3`, `correction:{id}`, or `recorded` when no cost profile was in force. */
  source: string;
}

function usageOf(r: RatedRequest): TokenUsage {
  return {
    promptTokens: r.promptTokens,
    cachedTokens: r.cachedTokens,
    completionTokens: r.completionTokens,
    reasoningTokens: 0,
    estimated: false,
  };
}

/** Provider cost from the tokens and the cost in force at the request's time, corrections included. */
export function providerCost(r: RatedRequest, costs: CostHistory | undefined): CostResult {
  const eff = costs ? effectiveCostAt(costs, r.occurredAtMs) : null;
  if (!eff) return { costNanocredits: r.recordedCostNanocredits, source: 'recorded' };
  return {
    costNanocredits: chargeNanocredits(usageOf(r), tokenPricesOf(eff.value)),
    source:
      eff.source.kind === 'version' ? `v${eff.source.version}` : `correction:${eff.source.correctionId}`,
  };
}

export function sellPriceOf(spec: SellPriceSpec): SellPrice {
  switch (spec.kind) {
    case 'markup':
      return { kind: 'markup', markupPercent: spec.markupPercent };
    case 'per_million':
      return { kind: 'per_million', prices: tokenPricesOf(spec) };
    default: {
      const never: never = spec;
      throw new Error(`unknown sell price ${JSON.stringify(never)}`);
    }
  }
}

/** The charge the histories give a request; null when it cannot be priced (no price or no cost for a markup). */
export function chargeUnder(
  r: RatedRequest,
  costs: CostHistory | undefined,
  prices: PriceHistory | undefined,
): bigint | null {
  if (r.status === 'failed') return 0n;
  const price = prices ? effectivePriceAt(prices, r.occurredAtMs) : null;
  if (!price) return null;
  const cost = costs ? effectiveCostAt(costs, r.occurredAtMs) : null;
  const perMillion = sellPricesPerMillion(sellPriceOf(price.value), cost ? tokenPricesOf(cost.value) : null);
  return perMillion ? chargeNanocredits(usageOf(r), perMillion) : null;
}

/**
 * The history the gateway charged a request with: plain versions and every correction already applied
 * when the request happened (the gateway's catalog uses corrections in force from their application on).
 */
export function chargedHistory<H extends CostHistory | PriceHistory>(h: H, atMs: number): H {
  return h.corrections.every((c) => c.atMs <= atMs)
    ? h
    : { ...h, corrections: h.corrections.filter((c) => c.atMs <= atMs) };
}

/**
 * The history a request is finally rated on: what it was charged with, plus every correction applied
 * with re-rating (those reach back over their whole window).
 */
export function reratedHistory<H extends CostHistory | PriceHistory>(h: H, atMs: number): H {
  return h.corrections.every((c) => c.atMs <= atMs || c.rerate)
    ? h
    : { ...h, corrections: h.corrections.filter((c) => c.atMs <= atMs || c.rerate) };
}

/**
 * What re-rating has changed on a request's charge so far: the charge under the re-rated history minus
 * the charge under the history the gateway charged with. A request made after a re-rating correction
 * was applied was already charged the corrected price: its difference is 0. 0 when either cannot be
 * priced.
 */
export function rerateDeltaNanocredits(
  r: RatedRequest,
  costs: CostHistory | undefined,
  prices: PriceHistory | undefined,
): bigint {
  if (r.status === 'failed') return 0n;
  const at = r.occurredAtMs;
  const pending = (h: CostHistory | PriceHistory | undefined): boolean =>
    h?.corrections.some((c) => c.rerate && c.atMs > at) ?? false;
  if (!pending(costs) && !pending(prices)) return 0n;
  const after = chargeUnder(r, costs && reratedHistory(costs, at), prices && reratedHistory(prices, at));
  const before = chargeUnder(r, costs && chargedHistory(costs, at), prices && chargedHistory(prices, at));
  return after === null || before === null ? 0n : after - before;
}
