import {
  CostProfileCorrectedSchema,
  CostProfileSetSchema,
  emptyCostHistory,
  emptyPriceHistory,
  foldCostHistory,
  foldPriceHistory,
  PriceCorrectedSchema,
  SellPriceSetSchema,
  type CostHistory,
  type CostHistoryEvent,
  type PriceHistory,
  type PriceHistoryEvent,
} from '@tollgate/catalog';
import type { RecordedEvent } from '@tollgate/event-store';
import type { UsageRecorded } from '@tollgate/ledger';
import { providerCost, rerateDeltaNanocredits, type RatedRequest } from '../margins/rating';
import type { AnyProjection, DecodedEvent, ProjectionContext, SqlStatement } from '../runtime/projection';
import { ledgerEvent } from './facts';
import { bulkInsert, utcDay, type Column } from './sql';

/**
 * Margins per request and per day/alias/deployment/provider/model. The provider cost is derived from
 * the request's tokens and the cost profile in force at its time, corrections included (the
 * projection keeps its own copy of the cost and price histories); the customer charge is the recorded
 * one, plus what re-rating corrections changed. A catalog event arriving after the usage it concerns
 * (a correction, a backdated version) re-costs the affected rows in the same batch transaction, so a
 * rebuild from position 0 and the live projection end with the same rows.
 */
export type MarginsEvent =
  | { kind: 'usage'; usage: UsageRecorded }
  | { kind: 'cost'; event: CostHistoryEvent }
  | { kind: 'price'; event: PriceHistoryEvent };

export const MARGIN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'UsageRecorded',
  'CostProfileSet',
  'CostProfileCorrected',
  'SellPriceSet',
  'PriceCorrected',
]);

/** Rows re-costed per query when a catalog event reaches back in time. */
const RECOST_PAGE = 5000;
/** Bound on re-costed rows per catalog event within one batch transaction. */
const MAX_RECOST_ROWS = 5_000_000;

export interface MarginRow extends RatedRequest {
  leaseId: string;
  requestId: string;
  deployment: string;
  occurredAt: string;
  day: string;
  costNanocredits: bigint;
  costSource: string;
  rerateDeltaNanocredits: bigint;
}

const rowColumns: Column<MarginRow>[] = [
  { name: 'account_id', type: 'text', value: (r) => r.accountId },
  { name: 'lease_id', type: 'text', value: (r) => r.leaseId },
  { name: 'request_id', type: 'text', value: (r) => r.requestId },
  { name: 'workspace_id', type: 'text', value: (r) => r.workspaceId },
  { name: 'occurred_at', type: 'timestamptz', value: (r) => r.occurredAt },
  { name: 'day', type: 'date', value: (r) => r.day },
  { name: 'alias', type: 'text', value: (r) => r.alias },
  { name: 'deployment', type: 'text', value: (r) => r.deployment },
  { name: 'provider', type: 'text', value: (r) => r.provider },
  { name: 'upstream_model', type: 'text', value: (r) => r.upstreamModel },
  { name: 'status', type: 'text', value: (r) => r.status },
  { name: 'prompt_tokens', type: 'bigint', value: (r) => String(r.promptTokens) },
  { name: 'cached_tokens', type: 'bigint', value: (r) => String(r.cachedTokens) },
  { name: 'completion_tokens', type: 'bigint', value: (r) => String(r.completionTokens) },
  { name: 'recorded_cost_nanocredits', type: 'bigint', value: (r) => r.recordedCostNanocredits.toString() },
  { name: 'cost_nanocredits', type: 'bigint', value: (r) => r.costNanocredits.toString() },
  { name: 'cost_source', type: 'text', value: (r) => r.costSource },
  { name: 'charged_nanocredits', type: 'bigint', value: (r) => r.chargedNanocredits.toString() },
  { name: 'rerate_delta_nanocredits', type: 'bigint', value: (r) => r.rerateDeltaNanocredits.toString() },
];

interface DayDelta {
  day: string;
  alias: string;
  deployment: string;
  provider: string;
  upstreamModel: string;
  requests: bigint;
  promptTokens: bigint;
  cachedTokens: bigint;
  completionTokens: bigint;
  cost: bigint;
  charged: bigint;
  rerateDelta: bigint;
}

const dayColumns: Column<DayDelta>[] = [
  { name: 'day', type: 'date', value: (d) => d.day },
  { name: 'alias', type: 'text', value: (d) => d.alias },
  { name: 'deployment', type: 'text', value: (d) => d.deployment },
  { name: 'provider', type: 'text', value: (d) => d.provider },
  { name: 'upstream_model', type: 'text', value: (d) => d.upstreamModel },
  { name: 'requests', type: 'bigint', value: (d) => d.requests.toString() },
  { name: 'prompt_tokens', type: 'bigint', value: (d) => d.promptTokens.toString() },
  { name: 'cached_tokens', type: 'bigint', value: (d) => d.cachedTokens.toString() },
  { name: 'completion_tokens', type: 'bigint', value: (d) => d.completionTokens.toString() },
  { name: 'cost_nanocredits', type: 'bigint', value: (d) => d.cost.toString() },
  { name: 'charged_nanocredits', type: 'bigint', value: (d) => d.charged.toString() },
  { name: 'rerate_delta_nanocredits', type: 'bigint', value: (d) => d.rerateDelta.toString() },
];
const DAY_SUMS = [
  'requests',
  'prompt_tokens',
  'cached_tokens',
  'completion_tokens',
  'cost_nanocredits',
  'charged_nanocredits',
  'rerate_delta_nanocredits',
]
  .map((c) => `${c} = d.${c} + excluded.${c}`)
  .join(', ');

interface HistoryRow {
  key: string;
  seq: number;
  eventType: string;
  data: unknown;
}
const historyColumns: Column<HistoryRow & { a: string; b: string }>[] = [
  { name: 'key_a', type: 'text', value: (h) => h.a },
  { name: 'key_b', type: 'text', value: (h) => h.b },
  { name: 'seq', type: 'integer', value: (h) => h.seq },
  { name: 'event_type', type: 'text', value: (h) => h.eventType },
  { name: 'data', type: 'text', value: (h) => JSON.stringify(h.data) },
];

export function costKey(providerId: string, upstreamModel: string): string {
  return `${providerId}\u0000${upstreamModel}`;
}

function decodeMargins(e: RecordedEvent): MarginsEvent | null {
  switch (e.type) {
    case 'UsageRecorded': {
      const parsed = ledgerEvent(e);
      return parsed?.type === 'UsageRecorded' ? { kind: 'usage', usage: parsed.data } : null;
    }
    case 'CostProfileSet':
      return { kind: 'cost', event: { type: e.type, data: CostProfileSetSchema.parse(e.data) } };
    case 'CostProfileCorrected':
      return { kind: 'cost', event: { type: e.type, data: CostProfileCorrectedSchema.parse(e.data) } };
    case 'SellPriceSet':
      return { kind: 'price', event: { type: e.type, data: SellPriceSetSchema.parse(e.data) } };
    case 'PriceCorrected':
      return { kind: 'price', event: { type: e.type, data: PriceCorrectedSchema.parse(e.data) } };
    default:
      return null;
  }
}

function rowFromUsage(u: UsageRecorded): MarginRow {
  return {
    accountId: u.accountId,
    leaseId: u.leaseId,
    requestId: u.requestId,
    workspaceId: u.workspaceId,
    alias: u.alias,
    deployment: u.deployment,
    provider: u.provider,
    upstreamModel: u.upstreamModel,
    status: u.status,
    promptTokens: u.promptTokens,
    cachedTokens: u.cachedTokens,
    completionTokens: u.completionTokens,
    occurredAt: new Date(u.occurredAt).toISOString(),
    occurredAtMs: Date.parse(u.occurredAt),
    day: utcDay(u.occurredAt),
    recordedCostNanocredits: BigInt(u.providerCostNanocredits),
    chargedNanocredits: BigInt(u.priceNanocredits),
    costNanocredits: 0n,
    costSource: 'recorded',
    rerateDeltaNanocredits: 0n,
  };
}

interface DbRow {
  account_id: string;
  lease_id: string;
  request_id: string;
  workspace_id: string;
  occurred_at: Date;
  day: string;
  alias: string;
  deployment: string;
  provider: string;
  upstream_model: string;
  status: string;
  prompt_tokens: string;
  cached_tokens: string;
  completion_tokens: string;
  recorded_cost_nanocredits: string;
  cost_nanocredits: string;
  cost_source: string;
  charged_nanocredits: string;
  rerate_delta_nanocredits: string;
}

function rowFromDb(r: DbRow): MarginRow {
  return {
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
    occurredAt: r.occurred_at.toISOString(),
    occurredAtMs: r.occurred_at.getTime(),
    // pg parses a `date` column into a local-time Date: derive the day as new rows do, or a batch mixing
    // stored and new rows of one day would upsert that day twice (and the projection would stop).
    day: utcDay(r.occurred_at.toISOString()),
    recordedCostNanocredits: BigInt(r.recorded_cost_nanocredits),
    chargedNanocredits: BigInt(r.charged_nanocredits),
    costNanocredits: BigInt(r.cost_nanocredits),
    costSource: r.cost_source,
    rerateDeltaNanocredits: BigInt(r.rerate_delta_nanocredits),
  };
}

function rowKey(r: { accountId: string; leaseId: string; requestId: string }): string {
  return `${r.accountId}\u0000${r.leaseId}\u0000${r.requestId}`;
}

/** The batch's working state: histories, new rows, re-costed stored rows and day deltas. */
class MarginBatch {
  readonly costs = new Map<string, CostHistory>();
  readonly prices = new Map<string, PriceHistory>();
  readonly newRows = new Map<string, MarginRow>();
  readonly changedRows = new Map<string, MarginRow>();
  readonly days = new Map<string, DayDelta>();
  readonly costInserts: (HistoryRow & { a: string; b: string })[] = [];
  readonly priceInserts: (HistoryRow & { a: string; b: string })[] = [];
  private readonly costSeq = new Map<string, number>();
  private readonly priceSeq = new Map<string, number>();
  private indexed = false;

  constructor(private readonly ctx: ProjectionContext) {}

  async loadCosts(keys: Iterable<[string, string]>): Promise<void> {
    const unique = new Map<string, [string, string]>();
    for (const [p, m] of keys) unique.set(costKey(p, m), [p, m]);
    const want = [...unique.values()].filter(([p, m]) => !this.costs.has(costKey(p, m)));
    if (want.length === 0) return;
    for (const [p, m] of want) {
      this.costs.set(costKey(p, m), emptyCostHistory(p, m));
      this.costSeq.set(costKey(p, m), 0);
    }
    const rows = await this.ctx.query<{
      key_a: string;
      key_b: string;
      seq: number;
      event_type: string;
      data: string;
    }>(
      `SELECT h.key_a, h.key_b, h.seq, h.event_type, h.data FROM ${this.ctx.t('margin_cost_history')} h
         JOIN unnest($1::text[], $2::text[]) AS k(a, b) ON h.key_a = k.a AND h.key_b = k.b
        ORDER BY h.key_a, h.key_b, h.seq`,
      [want.map((k) => k[0]), want.map((k) => k[1])],
    );
    for (const r of rows) {
      const k = costKey(r.key_a, r.key_b);
      const event = { type: r.event_type, data: JSON.parse(r.data) as unknown } as CostHistoryEvent;
      this.costs.set(k, foldCostHistory(this.costs.get(k)!, event));
      this.costSeq.set(k, Math.max(this.costSeq.get(k) ?? 0, r.seq));
    }
  }

  async loadPrices(aliases: Iterable<string>): Promise<void> {
    const want = [...new Set(aliases)].filter((a) => !this.prices.has(a));
    if (want.length === 0) return;
    for (const a of want) {
      this.prices.set(a, emptyPriceHistory(a));
      this.priceSeq.set(a, 0);
    }
    const rows = await this.ctx.query<{ key_a: string; seq: number; event_type: string; data: string }>(
      `SELECT key_a, seq, event_type, data FROM ${this.ctx.t('margin_price_history')}
        WHERE key_a = ANY($1::text[]) ORDER BY key_a, seq`,
      [want],
    );
    for (const r of rows) {
      const event = { type: r.event_type, data: JSON.parse(r.data) as unknown } as PriceHistoryEvent;
      this.prices.set(r.key_a, foldPriceHistory(this.prices.get(r.key_a)!, event));
      this.priceSeq.set(r.key_a, Math.max(this.priceSeq.get(r.key_a) ?? 0, r.seq));
    }
  }

  /** Computes a row's cost and re-rating delta from the current histories. */
  rate(row: MarginRow): MarginRow {
    const costs = this.costs.get(costKey(row.provider, row.upstreamModel));
    const prices = this.prices.get(row.alias);
    const cost = providerCost(row, costs);
    return {
      ...row,
      costNanocredits: cost.costNanocredits,
      costSource: cost.source,
      rerateDeltaNanocredits: rerateDeltaNanocredits(row, costs, prices),
    };
  }

  addToDay(row: MarginRow, sign: 1n | -1n, counts: boolean): void {
    const key = [row.day, row.alias, row.deployment, row.provider, row.upstreamModel].join('\u0000');
    let d = this.days.get(key);
    if (!d) {
      d = {
        day: row.day,
        alias: row.alias,
        deployment: row.deployment,
        provider: row.provider,
        upstreamModel: row.upstreamModel,
        requests: 0n,
        promptTokens: 0n,
        cachedTokens: 0n,
        completionTokens: 0n,
        cost: 0n,
        charged: 0n,
        rerateDelta: 0n,
      };
      this.days.set(key, d);
    }
    if (counts) {
      d.requests += sign;
      d.promptTokens += sign * BigInt(row.promptTokens);
      d.cachedTokens += sign * BigInt(row.cachedTokens);
      d.completionTokens += sign * BigInt(row.completionTokens);
      d.charged += sign * row.chargedNanocredits;
    }
    d.cost += sign * row.costNanocredits;
    d.rerateDelta += sign * row.rerateDeltaNanocredits;
  }

  addUsage(u: UsageRecorded): void {
    const row = this.rate(rowFromUsage(u));
    const key = rowKey(row);
    // A usage event is unique in its stream; a second delivery in one batch would double count.
    if (this.newRows.has(key)) return;
    this.newRows.set(key, row);
    this.addToDay(row, 1n, true);
  }

  /** Re-rates one row (new in this batch or stored) after a history changed; only changes are kept. */
  private rerate(row: MarginRow, isNew: boolean): void {
    const next = this.rate(row);
    if (
      next.costNanocredits === row.costNanocredits &&
      next.costSource === row.costSource &&
      next.rerateDeltaNanocredits === row.rerateDeltaNanocredits
    )
      return;
    this.addToDay(row, -1n, false);
    this.addToDay(next, 1n, false);
    if (isNew) this.newRows.set(rowKey(next), next);
    else this.changedRows.set(rowKey(next), next);
  }

  /** Re-rates every row of a target within [fromMs, toMs): this batch's new rows, then stored ones. */
  async recost(
    target: { kind: 'cost'; provider: string; upstreamModel: string } | { kind: 'alias'; alias: string },
    fromMs: number,
    toMs: number | null,
  ): Promise<void> {
    const matches = (r: MarginRow): boolean =>
      (target.kind === 'cost'
        ? r.provider === target.provider && r.upstreamModel === target.upstreamModel
        : r.alias === target.alias) &&
      r.occurredAtMs >= fromMs &&
      (toMs === null || r.occurredAtMs < toMs);
    for (const r of [...this.newRows.values()]) if (matches(r)) this.rerate(r, true);

    const t = this.ctx.t('margin_requests');
    // A rebuild loads without secondary indexes; the first late correction needs them.
    if (this.ctx.rebuilding && !this.indexed) {
      for (const ddl of recostIndexes(this.ctx.t)) await this.ctx.query(ddl);
      this.indexed = true;
    }
    const where =
      target.kind === 'cost' ? 'provider = $1 AND upstream_model = $2' : 'alias = $1 AND $2::text IS NULL';
    const params: unknown[] =
      target.kind === 'cost' ? [target.provider, target.upstreamModel] : [target.alias, null];
    // Keyset on the index order (target, occurred_at, key): each page is one index range scan.
    let after: [string, string, string, string] = [new Date(fromMs).toISOString(), '', '', ''];
    for (let seen = 0; seen < MAX_RECOST_ROWS;) {
      const rows = await this.ctx.query<DbRow & Record<string, unknown>>(
        `SELECT * FROM ${t}
          WHERE ${where} AND occurred_at >= $3 AND ($4::timestamptz IS NULL OR occurred_at < $4)
            AND (occurred_at, account_id, lease_id, request_id) > ($5::timestamptz, $6, $7, $8)
          ORDER BY occurred_at, account_id, lease_id, request_id LIMIT ${RECOST_PAGE}`,
        [
          ...params,
          new Date(fromMs).toISOString(),
          toMs === null ? null : new Date(toMs).toISOString(),
          ...after,
        ],
      );
      if (rows.length === 0) return;
      const stored = rows.map(rowFromDb);
      const needed = new Set<string>();
      for (const r of stored) needed.add(r.alias);
      await this.loadPrices(needed);
      await this.loadCosts(stored.map((r) => [r.provider, r.upstreamModel] as [string, string]));
      for (const r of stored) this.rerate(this.changedRows.get(rowKey(r)) ?? r, false);
      const last = stored[stored.length - 1];
      after = [last.occurredAt, last.accountId, last.leaseId, last.requestId];
      seen += rows.length;
      if (rows.length < RECOST_PAGE) return;
    }
    throw new Error(`margins: a catalog event re-costs more than ${MAX_RECOST_ROWS} rows in one batch`);
  }

  async addCostEvent(event: CostHistoryEvent): Promise<void> {
    const { providerId, upstreamModel } = event.data;
    const k = costKey(providerId, upstreamModel);
    await this.loadCosts([[providerId, upstreamModel]]);
    const before = this.costs.get(k)!;
    const after = foldCostHistory(before, event);
    if (after === before || (after.versions === before.versions && after.corrections === before.corrections))
      return; // a re-delivered version or correction changes nothing
    this.costs.set(k, after);
    const seq = (this.costSeq.get(k) ?? 0) + 1;
    this.costSeq.set(k, seq);
    this.costInserts.push({
      key: k,
      a: providerId,
      b: upstreamModel,
      seq,
      eventType: event.type,
      data: event.data,
    });
    const win = affectedWindow(event, after);
    await this.recost({ kind: 'cost', provider: providerId, upstreamModel }, win.fromMs, win.toMs);
  }

  async addPriceEvent(event: PriceHistoryEvent): Promise<void> {
    const alias = event.data.alias;
    await this.loadPrices([alias]);
    const before = this.prices.get(alias)!;
    const after = foldPriceHistory(before, event);
    if (after.versions === before.versions && after.corrections === before.corrections) return;
    this.prices.set(alias, after);
    const seq = (this.priceSeq.get(alias) ?? 0) + 1;
    this.priceSeq.set(alias, seq);
    this.priceInserts.push({ key: alias, a: alias, b: '', seq, eventType: event.type, data: event.data });
    // Prices only move re-rating deltas: a correction without re-rating changes no row.
    if (event.type === 'PriceCorrected' && !event.data.rerate) return;
    const win = affectedWindow(event, after);
    await this.recost({ kind: 'alias', alias }, win.fromMs, win.toMs);
  }

  statements(): SqlStatement[] {
    const days = [...this.days.values()].filter(
      (d) =>
        d.requests !== 0n ||
        d.cost !== 0n ||
        d.rerateDelta !== 0n ||
        d.charged !== 0n ||
        d.promptTokens !== 0n ||
        d.completionTokens !== 0n,
    );
    const changed = [...this.changedRows.values()];
    const out: SqlStatement[] = [
      ...bulkInsert(this.ctx.t('margin_requests'), rowColumns, [...this.newRows.values()]),
      ...bulkInsert(
        this.ctx.t('margin_daily'),
        dayColumns,
        days,
        `ON CONFLICT (day, alias, deployment, provider, upstream_model) DO UPDATE SET ${DAY_SUMS}`,
        'd',
      ),
      ...bulkInsert(this.ctx.t('margin_cost_history'), historyColumns, this.costInserts),
      ...bulkInsert(this.ctx.t('margin_price_history'), historyColumns, this.priceInserts),
    ];
    if (changed.length > 0)
      out.push({
        sql: `UPDATE ${this.ctx.t('margin_requests')} AS m
                 SET cost_nanocredits = (c->>3)::bigint, cost_source = c->>4, rerate_delta_nanocredits = (c->>5)::bigint
                FROM jsonb_array_elements($1::jsonb) AS c
               WHERE m.account_id = c->>0 AND m.lease_id = c->>1 AND m.request_id = c->>2`,
        params: [
          JSON.stringify(
            changed.map((r) => [
              r.accountId,
              r.leaseId,
              r.requestId,
              r.costNanocredits.toString(),
              r.costSource,
              r.rerateDeltaNanocredits.toString(),
            ]),
          ),
        ],
      });
    return out;
  }
}

/** Where a catalog event can change what is in force: a correction's window, or a version's reign. */
function affectedWindow(
  event: CostHistoryEvent | PriceHistoryEvent,
  history: CostHistory | PriceHistory,
): { fromMs: number; toMs: number | null } {
  switch (event.type) {
    case 'CostProfileCorrected':
    case 'PriceCorrected':
      return {
        fromMs: Date.parse(event.data.from),
        toMs: event.data.to === null ? null : Date.parse(event.data.to),
      };
    case 'CostProfileSet':
    case 'SellPriceSet': {
      const fromMs = Date.parse(event.data.effectiveAt);
      const next = history.versions.find((v) => v.effectiveAtMs > fromMs);
      return { fromMs, toMs: next ? next.effectiveAtMs : null };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown catalog event ${JSON.stringify(never)}`);
    }
  }
}

/** Indexes in the order re-costing and previews page through (target, time, key). */
function recostIndexes(t: (b: string) => string): string[] {
  const m = t('margin_requests');
  return [
    `CREATE INDEX IF NOT EXISTS ${m}_cost ON ${m} (provider, upstream_model, occurred_at, account_id, lease_id, request_id)`,
    `CREATE INDEX IF NOT EXISTS ${m}_alias ON ${m} (alias, occurred_at, account_id, lease_id, request_id)`,
    `CREATE INDEX IF NOT EXISTS ${m}_time ON ${m} (occurred_at)`,
  ];
}

const historyDdl = (name: string) => (t: (b: string) => string) => [
  `CREATE TABLE ${t(name)} (
     key_a text NOT NULL,
     key_b text NOT NULL,
     seq integer NOT NULL,
     event_type text NOT NULL,
     data text NOT NULL,
     PRIMARY KEY (key_a, key_b, seq)
   )`,
];

export const marginsProjection: AnyProjection = {
  name: 'margins',
  version: 2,
  tables: [
    {
      base: 'margin_requests',
      orderBy: 'account_id, lease_id, request_id',
      ddl: (t) => [
        `CREATE TABLE ${t('margin_requests')} (
           account_id text NOT NULL,
           lease_id text NOT NULL,
           request_id text NOT NULL,
           workspace_id text NOT NULL,
           occurred_at timestamptz NOT NULL,
           day date NOT NULL,
           alias text NOT NULL,
           deployment text NOT NULL,
           provider text NOT NULL,
           upstream_model text NOT NULL,
           status text NOT NULL,
           prompt_tokens bigint NOT NULL,
           cached_tokens bigint NOT NULL,
           completion_tokens bigint NOT NULL,
           recorded_cost_nanocredits bigint NOT NULL,
           cost_nanocredits bigint NOT NULL,
           cost_source text NOT NULL,
           charged_nanocredits bigint NOT NULL,
           rerate_delta_nanocredits bigint NOT NULL,
           PRIMARY KEY (account_id, lease_id, request_id)
         )`,
      ],
      // After a rebuild's load; a late correction while building creates them first (recostIndexes).
      indexes: (t) => recostIndexes(t),
    },
    {
      base: 'margin_daily',
      orderBy: 'day, alias, deployment, provider, upstream_model',
      ddl: (t) => [
        `CREATE TABLE ${t('margin_daily')} (
           day date NOT NULL,
           alias text NOT NULL,
           deployment text NOT NULL,
           provider text NOT NULL,
           upstream_model text NOT NULL,
           requests bigint NOT NULL,
           prompt_tokens bigint NOT NULL,
           cached_tokens bigint NOT NULL,
           completion_tokens bigint NOT NULL,
           cost_nanocredits bigint NOT NULL,
           charged_nanocredits bigint NOT NULL,
           rerate_delta_nanocredits bigint NOT NULL,
           PRIMARY KEY (day, alias, deployment, provider, upstream_model)
         )`,
      ],
    },
    { base: 'margin_cost_history', orderBy: 'key_a, key_b, seq', ddl: historyDdl('margin_cost_history') },
    { base: 'margin_price_history', orderBy: 'key_a, key_b, seq', ddl: historyDdl('margin_price_history') },
  ],
  handles: (type) => MARGIN_EVENT_TYPES.has(type),
  eventTypes: [...MARGIN_EVENT_TYPES],
  decode: decodeMargins,
  async projectBatch(events: readonly DecodedEvent<MarginsEvent>[], ctx: ProjectionContext) {
    const batch = new MarginBatch(ctx);
    // Histories of everything the batch touches, loaded once before any event is folded.
    const costKeys = new Map<string, [string, string]>();
    const aliases = new Set<string>();
    for (const { event: e } of events) {
      if (e.kind === 'usage') {
        costKeys.set(costKey(e.usage.provider, e.usage.upstreamModel), [
          e.usage.provider,
          e.usage.upstreamModel,
        ]);
        aliases.add(e.usage.alias);
      } else if (e.kind === 'cost')
        costKeys.set(costKey(e.event.data.providerId, e.event.data.upstreamModel), [
          e.event.data.providerId,
          e.event.data.upstreamModel,
        ]);
      else aliases.add(e.event.data.alias);
    }
    await batch.loadCosts(costKeys.values());
    await batch.loadPrices(aliases);
    for (const { event: e } of events) {
      switch (e.kind) {
        case 'usage':
          batch.addUsage(e.usage);
          break;
        case 'cost':
          await batch.addCostEvent(e.event);
          break;
        case 'price':
          await batch.addPriceEvent(e.event);
          break;
        default: {
          const never: never = e;
          throw new Error(`unknown margins event ${JSON.stringify(never)}`);
        }
      }
    }
    return batch.statements();
  },
};
