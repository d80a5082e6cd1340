import type { Pool } from 'pg';
import {
  parseWorkspaceRulesEvent,
  workspacePolicyDecider,
  workspaceQuotasDecider,
  workspaceRulesStream,
  type SetWorkspacePolicy,
  type SetWorkspaceQuotas,
  type WorkspacePolicy,
  type WorkspaceQuotas,
  type KeyQuotasData,
  type WorkspaceRulesEvent,
  keyQuotasOf,
} from '@tollgate/catalog';
import { handleCommand, type Decider, type EventStore, type RecordedEvent } from '@tollgate/event-store';
import {
  minuteWindow,
  calendarWindow,
  type WorkspaceQuotaLimits,
  type WorkspaceRulesCache,
  type WorkspaceRulesRecord,
  type WorkspaceRulesSource,
} from '@tollgate/gateway-core';

const MAX_CONFLICT_ATTEMPTS = 5;

/** Policy and quotas of a workspace as the admin API and the portal show them. */
export interface WorkspaceRulesView {
  workspaceId: string;
  policy: WorkspacePolicy | null;
  quotas: WorkspaceQuotas | null;
  revision: number;
}

/** Current use of one quota over all gateway instances. */
export interface QuotaUse {
  /** null: the workspace's own quota; else the API key's. */
  keyId: string | null;
  metric: 'requests' | 'tokens' | 'credits_day' | 'credits_month' | 'concurrent';
  limit: bigint;
  /** Reported consumption in the current window (requests, tokens, nanocredits). */
  consumed: bigint;
  /** Claimed by gateway instances (consumed + slices held; for concurrency, the slots in use or held). */
  claimed: bigint;
  windowStartMs: number;
  windowEndMs: number;
}

/** The quotas as the read model stores them: the event's JSON (credits as decimal strings). */
type QuotaJson = Omit<
  WorkspaceQuotaLimits,
  'creditsPerDayNanocredits' | 'creditsPerMonthNanocredits' | 'keys'
> & {
  creditsPerDayNanocredits: string | null;
  creditsPerMonthNanocredits: string | null;
  keys?: KeyQuotasData[];
};

export function limitsOfJson(q: QuotaJson): WorkspaceQuotaLimits {
  return {
    requestsPerMinute: q.requestsPerMinute,
    tokensPerMinute: q.tokensPerMinute,
    creditsPerDayNanocredits: q.creditsPerDayNanocredits === null ? null : BigInt(q.creditsPerDayNanocredits),
    creditsPerMonthNanocredits:
      q.creditsPerMonthNanocredits === null ? null : BigInt(q.creditsPerMonthNanocredits),
    concurrentRequests: q.concurrentRequests,
    timeZone: q.timeZone,
    keys: (q.keys ?? []).map(keyQuotasOf),
  };
}

/** Reads the `workspace_rules` read model (the gateway's rules cache loads from here). */
export class PostgresWorkspaceRules implements WorkspaceRulesSource {
  constructor(private readonly pool: Pool) {}

  async load(workspaceId: string): Promise<WorkspaceRulesRecord | null> {
    const { rows } = await this.pool.query<{
      policy: WorkspaceRulesRecord['policy'];
      quotas: QuotaJson | null;
      revision: string;
    }>('SELECT policy, quotas, revision FROM workspace_rules WHERE workspace_id = $1', [workspaceId]);
    const r = rows[0];
    if (!r) return null;
    return {
      workspaceId,
      policy: r.policy,
      quotas: r.quotas ? limitsOfJson(r.quotas) : null,
      revision: Number(r.revision),
    };
  }
}

function recordOf(view: WorkspaceRulesView): WorkspaceRulesRecord {
  return {
    workspaceId: view.workspaceId,
    policy: view.policy,
    quotas: view.quotas,
    revision: view.revision,
  };
}

/**
 * Writes a workspace's policy and quotas as events (through the deciders) and reads them back from
 * the stream itself, so an admin sees what was written at once. The rules take effect on this
 * instance immediately and on the others within their cache TTL once the read model has them.
 */
export class WorkspaceRulesService {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly cache: WorkspaceRulesCache,
  ) {}

  async read(workspaceId: string): Promise<WorkspaceRulesView> {
    const events = await this.store.readStream(workspaceRulesStream(workspaceId));
    let policy = workspacePolicyDecider.initialState();
    let quotas = workspaceQuotasDecider.initialState();
    for (const e of events) {
      const parsed = parse(e);
      policy = workspacePolicyDecider.evolve(policy, parsed);
      quotas = workspaceQuotasDecider.evolve(quotas, parsed);
    }
    const last = events.length > 0 ? Number(events[events.length - 1].revision) : -1;
    return { workspaceId, policy: policy.policy, quotas: quotas.quotas, revision: last };
  }

  async setPolicy(command: SetWorkspacePolicy): Promise<WorkspaceRulesView> {
    await this.run(command.workspaceId, workspacePolicyDecider, command);
    return this.installed(command.workspaceId);
  }

  async setQuotas(command: SetWorkspaceQuotas): Promise<WorkspaceRulesView> {
    await this.run(command.workspaceId, workspaceQuotasDecider, command);
    return this.installed(command.workspaceId);
  }

  /** The workspace's quota counters of the current windows (over every gateway instance). */
  async usage(workspaceId: string, quotas: WorkspaceQuotas | null, nowMs = Date.now()): Promise<QuotaUse[]> {
    if (!quotas) return [];
    const minute = minuteWindow(nowMs);
    const day = calendarWindow('day', quotas.timeZone, nowMs);
    const month = calendarWindow('month', quotas.timeZone, nowMs);
    const forever = { startMs: 0, endMs: Number.MAX_SAFE_INTEGER };
    type Wanted = [string | null, QuotaUse['metric'], bigint | null, { startMs: number; endMs: number }];
    const wanted: Wanted[] = [];
    for (const [keyId, q] of [[null, quotas] as const, ...quotas.keys.map((k) => [k.keyId, k] as const)])
      wanted.push(
        [keyId, 'requests', big(q.requestsPerMinute), minute],
        [keyId, 'tokens', big(q.tokensPerMinute), minute],
        [keyId, 'credits_day', q.creditsPerDayNanocredits, day],
        [keyId, 'credits_month', q.creditsPerMonthNanocredits, month],
        [keyId, 'concurrent', big(q.concurrentRequests), forever],
      );
    const set = wanted.filter((w) => w[2] !== null);
    if (set.length === 0) return [];
    const scopeOf = (keyId: string | null): string => (keyId === null ? `ws:${workspaceId}` : `key:${keyId}`);
    const { rows } = await this.pool.query<{
      scope: string;
      metric: string;
      window_start_ms: string;
      used: string;
      consumed: string;
    }>(
      `SELECT scope, metric, window_start_ms::text, used::text, consumed::text FROM gateway_quota_counters
        WHERE (scope, metric, window_start_ms) IN
              (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]))`,
      [set.map((w) => scopeOf(w[0])), set.map((w) => w[1]), set.map((w) => w[3].startMs)],
    );
    return set.map(([keyId, metric, limit, w]) => {
      const row = rows.find(
        (r) => r.scope === scopeOf(keyId) && r.metric === metric && Number(r.window_start_ms) === w.startMs,
      );
      return {
        keyId,
        metric,
        limit: limit as bigint,
        consumed: BigInt(row?.consumed ?? '0'),
        claimed: BigInt(row?.used ?? '0'),
        windowStartMs: w.startMs,
        windowEndMs: w.endMs,
      };
    });
  }

  private async installed(workspaceId: string): Promise<WorkspaceRulesView> {
    const view = await this.read(workspaceId);
    this.cache.put(recordOf(view));
    return view;
  }

  private async run<C>(
    workspaceId: string,
    decider: Decider<C, WorkspaceRulesEvent, unknown>,
    command: C,
  ): Promise<void> {
    await handleCommand({
      store: this.store,
      streamId: workspaceRulesStream(workspaceId),
      decider,
      command,
      maxAttempts: MAX_CONFLICT_ATTEMPTS,
      parse,
    });
  }
}

function big(n: number | null): bigint | null {
  return n === null ? null : BigInt(n);
}

function parse(e: RecordedEvent): WorkspaceRulesEvent {
  const parsed = parseWorkspaceRulesEvent(e.type, e.data);
  if (!parsed) throw new Error(`unexpected ${e.type} event in ${e.streamId}`);
  return parsed;
}
