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
  type WorkspaceRulesEvent,
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
  metric: 'requests' | 'tokens' | 'credits_day' | 'credits_month' | 'concurrent';
  limit: bigint;
  /** Reported consumption in the current window (requests, tokens, nanocredits). */
  consumed: bigint;
  /** Claimed by gateway instances (consumed + slices held; for concurrency, the slots in use or held). */
  claimed: bigint;
  windowStartMs: number;
  windowEndMs: number;
}

type QuotaJson = Omit<WorkspaceQuotaLimits, 'creditsPerDayNanocredits' | 'creditsPerMonthNanocredits'> & {
  creditsPerDayNanocredits: string | null;
  creditsPerMonthNanocredits: string | null;
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
    const windows: Array<[QuotaUse['metric'], bigint | null, { startMs: number; endMs: number }]> = [
      ['requests', big(quotas.requestsPerMinute), minuteWindow(nowMs)],
      ['tokens', big(quotas.tokensPerMinute), minuteWindow(nowMs)],
      ['credits_day', quotas.creditsPerDayNanocredits, calendarWindow('day', quotas.timeZone, nowMs)],
      ['credits_month', quotas.creditsPerMonthNanocredits, calendarWindow('month', quotas.timeZone, nowMs)],
      ['concurrent', big(quotas.concurrentRequests), { startMs: 0, endMs: Number.MAX_SAFE_INTEGER }],
    ];
    const { rows } = await this.pool.query<{
      metric: string;
      window_start_ms: string;
      used: string;
      consumed: string;
    }>(
      `SELECT metric, window_start_ms::text, used::text, consumed::text FROM gateway_quota_counters
        WHERE scope = $1 AND metric = ANY($2) AND window_start_ms = ANY($3::bigint[])`,
      [`ws:${workspaceId}`, windows.map((w) => w[0]), windows.map((w) => w[2].startMs)],
    );
    const out: QuotaUse[] = [];
    for (const [metric, limit, w] of windows) {
      if (limit === null) continue;
      const row = rows.find((r) => r.metric === metric && Number(r.window_start_ms) === w.startMs);
      out.push({
        metric,
        limit,
        consumed: BigInt(row?.consumed ?? '0'),
        claimed: BigInt(row?.used ?? '0'),
        windowStartMs: w.startMs,
        windowEndMs: w.endMs,
      });
    }
    return out;
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
