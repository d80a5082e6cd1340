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

const reratedOnly = new WeakMap<object, object>();
const plainOnly = new WeakMap<object, object>();

/** The history customers were (re-)rated on: plain versions and the corrections applied with re-rating. */
export function reratedHistory<H extends CostHistory | PriceHistory>(h: H): H {
  let hit = reratedOnly.get(h) as H | undefined;
  if (!hit) {
    hit = { ...h, corrections: h.corrections.filter((c) => c.rerate) };
    reratedOnly.set(h, hit);
  }
  return hit;
}

/** The history the gateway charged with: plain versions only. */
export function plainHistory<H extends CostHistory | PriceHistory>(h: H): H {
  let hit = plainOnly.get(h) as H | undefined;
  if (!hit) {
    hit = { ...h, corrections: [] };
    plainOnly.set(h, hit);
  }
  return hit;
}

/**
 * What re-rating has changed on a request's charge so far: the charge under plain versions plus the
 * re-rating corrections, minus the charge under plain versions (what the gateway charged). 0 when
 * either cannot be priced.
 */
export function rerateDeltaNanocredits(
  r: RatedRequest,
  costs: CostHistory | undefined,
  prices: PriceHistory | undefined,
): bigint {
  if (r.status === 'failed') return 0n;
  const hasRerate =
    (costs?.corrections.some((c) => c.rerate) ?? false) ||
    (prices?.corrections.some((c) => c.rerate) ?? false);
  if (!hasRerate) return 0n;
  const after = chargeUnder(r, costs && reratedHistory(costs), prices && reratedHistory(prices));
  const before = chargeUnder(r, costs && plainHistory(costs), prices && plainHistory(prices));
  return after === null || before === null ? 0n : after - before;
}
