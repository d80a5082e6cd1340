import type { Pool, PoolClient } from 'pg';
import {
  emptyCostHistory,
  emptyPriceHistory,
  foldCostHistory,
  foldPriceHistory,
  type CostHistory,
  type CostHistoryEvent,
  type PriceHistory,
  type PriceHistoryEvent,
} from '@tollgate/catalog';
import { costKey } from '../read-models/margins.projection';
import type { RatedRequest } from './rating';

/** Readers of the margins read model (the stable views, so a rebuild's switch is invisible). */

export interface MarginSummaryRow {
  alias: string;
  deployment: string;
  provider: string;
  upstreamModel: string;
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  costNanocredits: bigint;
  /** Charged plus re-rating adjustments. */
  priceNanocredits: bigint;
  marginNanocredits: bigint;
  /** Margin as a percentage of price, 2 decimals, half-up; null when the price is 0. */
  marginPercent: string | null;
  /** Σ of the losses of requests priced below their cost. */
  exposureNanocredits: bigint;
  /** Requests priced below their cost. */
  lossRequests: bigint;
}

export const MAX_SUMMARY_ROWS = 500;

/** margin % of price = margin × 100 / price, to 2 decimals, rounded half away from zero. */
export function marginPercent(margin: bigint, price: bigint): string | null {
  if (price === 0n) return null;
  const scaled = margin * 10_000n;
  const neg = scaled < 0n !== price < 0n;
  const a = scaled < 0n ? -scaled : scaled;
  const b = price < 0n ? -price : price;
  let q = a / b;
  if ((a % b) * 2n >= b) q += 1n;
  const s = q.toString().padStart(3, '0');
  const text = `${s.slice(0, -2)}.${s.slice(-2)}`;
  return neg && q !== 0n ? `-${text}` : text;
}

/** Per alias and deployment over [from, to): cost, price, margin %, volume and exposure. */
export async function marginSummary(
  db: Pool | PoolClient,
  window: { from: Date; to: Date },
): Promise<MarginSummaryRow[]> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT alias, deployment, provider, upstream_model,
            count(*)::text AS requests,
            sum(prompt_tokens)::text AS prompt_tokens,
            sum(completion_tokens)::text AS completion_tokens,
            sum(cost_nanocredits)::text AS cost,
            sum(charged_nanocredits + rerate_delta_nanocredits)::text AS price,
            sum(GREATEST(cost_nanocredits - charged_nanocredits - rerate_delta_nanocredits, 0))::text AS exposure,
            count(*) FILTER (WHERE cost_nanocredits > charged_nanocredits + rerate_delta_nanocredits)::text AS losses
       FROM margin_requests
      WHERE occurred_at >= $1 AND occurred_at < $2
      GROUP BY alias, deployment, provider, upstream_model
      ORDER BY alias, deployment, provider, upstream_model
      LIMIT ${MAX_SUMMARY_ROWS}`,
    [window.from, window.to],
  );
  return rows.map((r) => {
    const cost = BigInt(r.cost);
    const price = BigInt(r.price);
    return {
      alias: r.alias,
      deployment: r.deployment,
      provider: r.provider,
      upstreamModel: r.upstream_model,
      requests: BigInt(r.requests),
      promptTokens: BigInt(r.prompt_tokens),
      completionTokens: BigInt(r.completion_tokens),
      costNanocredits: cost,
      priceNanocredits: price,
      marginNanocredits: price - cost,
      marginPercent: marginPercent(price - cost, price),
      exposureNanocredits: BigInt(r.exposure),
      lossRequests: BigInt(r.losses),
    };
  });
}

/** Cost and price histories as the margins projection holds them (corrections included). */
export async function loadHistories(
  db: Pool | PoolClient,
  costKeys: readonly [string, string][],
  aliases: readonly string[],
): Promise<{ costs: Map<string, CostHistory>; prices: Map<string, PriceHistory> }> {
  const costs = new Map<string, CostHistory>();
  const prices = new Map<string, PriceHistory>();
  for (const [p, m] of costKeys) costs.set(costKey(p, m), emptyCostHistory(p, m));
  for (const a of aliases) prices.set(a, emptyPriceHistory(a));
  if (costKeys.length > 0) {
    const { rows } = await db.query<{ key_a: string; key_b: string; event_type: string; data: string }>(
      `SELECT h.key_a, h.key_b, h.event_type, h.data FROM margin_cost_history h
         JOIN unnest($1::text[], $2::text[]) AS k(a, b) ON h.key_a = k.a AND h.key_b = k.b
        ORDER BY h.key_a, h.key_b, h.seq`,
      [costKeys.map((k) => k[0]), costKeys.map((k) => k[1])],
    );
    for (const r of rows) {
      const k = costKey(r.key_a, r.key_b);
      costs.set(
        k,
        foldCostHistory(costs.get(k)!, { type: r.event_type, data: JSON.parse(r.data) } as CostHistoryEvent),
      );
    }
  }
  if (aliases.length > 0) {
    const { rows } = await db.query<{ key_a: string; event_type: string; data: string }>(
      `SELECT key_a, event_type, data FROM margin_price_history WHERE key_a = ANY($1::text[]) ORDER BY key_a, seq`,
      [aliases],
    );
    for (const r of rows)
      prices.set(
        r.key_a,
        foldPriceHistory(prices.get(r.key_a)!, {
          type: r.event_type,
          data: JSON.parse(r.data),
        } as PriceHistoryEvent),
      );
  }
  return { costs, prices };
}

export type CorrectionTarget =
  { kind: 'cost'; providerId: string; upstreamModel: string } | { kind: 'price'; alias: string };

export interface StoredRequest extends RatedRequest {
  leaseId: string;
  requestId: string;
  deployment: string;
}

/** Keyset of a page: (occurred_at, account, lease, request), the index order. */
export type RequestKeyset = [string, string, string, string];

export interface RequestPage {
  rows: StoredRequest[];
  /** Keyset to pass for the next page; null when this was the last. */
  next: RequestKeyset | null;
}

/** Requests of a correction's target inside [fromMs, toMs), one keyset page at a time. */
export async function requestsInWindow(
  db: Pool | PoolClient,
  target: CorrectionTarget,
  window: { fromMs: number; toMs: number | null },
  after: RequestKeyset | null,
  limit: number,
): Promise<RequestPage> {
  const pageSize = Math.min(Math.max(1, limit), 10_000);
  const where =
    target.kind === 'cost' ? 'provider = $1 AND upstream_model = $2' : 'alias = $1 AND $2::text IS NULL';
  const params = target.kind === 'cost' ? [target.providerId, target.upstreamModel] : [target.alias, null];
  const { rows } = await db.query<Record<string, string> & { occurred_at: Date }>(
    `SELECT account_id, lease_id, request_id, workspace_id, occurred_at, alias, deployment, provider, upstream_model,
            status, prompt_tokens, cached_tokens, completion_tokens, recorded_cost_nanocredits, charged_nanocredits
       FROM margin_requests
      WHERE ${where} AND occurred_at >= $3 AND ($4::timestamptz IS NULL OR occurred_at < $4)
        AND (occurred_at, account_id, lease_id, request_id) > ($5::timestamptz, $6, $7, $8)
      ORDER BY occurred_at, account_id, lease_id, request_id
      LIMIT ${pageSize}`,
    [
      ...params,
      new Date(window.fromMs).toISOString(),
      window.toMs === null ? null : new Date(window.toMs).toISOString(),
      ...(after ?? [new Date(window.fromMs).toISOString(), '', '', '']),
    ],
  );
  const out: StoredRequest[] = rows.map((r) => ({
    accountId: r.account_id,
    leaseId: r.lease_id,
    requestId: r.request_id,
    workspaceId: r.workspace_id,
    alias: r.alias,
    deployment: r.deployment,
    provider: r.provider,
    upstreamModel: r.upstream_model,
    status: r.status,
    promptTokens: Number(r.prompt_tokens),
    cachedTokens: Number(r.cached_tokens),
    completionTokens: Number(r.completion_tokens),
    occurredAtMs: r.occurred_at.getTime(),
    recordedCostNanocredits: BigInt(r.recorded_cost_nanocredits),
    chargedNanocredits: BigInt(r.charged_nanocredits),
  }));
  const last = out[out.length - 1];
  return {
    rows: out,
    next:
      out.length === pageSize && last
        ? [new Date(last.occurredAtMs).toISOString(), last.accountId, last.leaseId, last.requestId]
        : null,
  };
}

/** Requests of a target inside a window (for progress totals); counted up to `cap`. */
export async function countRequestsInWindow(
  db: Pool | PoolClient,
  target: CorrectionTarget,
  window: { fromMs: number; toMs: number | null },
  cap = 10_000_000,
): Promise<number> {
  const where =
    target.kind === 'cost' ? 'provider = $1 AND upstream_model = $2' : 'alias = $1 AND $2::text IS NULL';
  const params = target.kind === 'cost' ? [target.providerId, target.upstreamModel] : [target.alias, null];
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM (SELECT 1 FROM margin_requests
      WHERE ${where} AND occurred_at >= $3 AND ($4::timestamptz IS NULL OR occurred_at < $4) LIMIT ${cap}) x`,
    [
      ...params,
      new Date(window.fromMs).toISOString(),
      window.toMs === null ? null : new Date(window.toMs).toISOString(),
    ],
  );
  return Number(rows[0]?.n ?? 0);
}
