import type { ServerResponse } from 'node:http';
import type { ApiKeyRecord } from '../catalog/catalog';
import { GatewayError } from '../openai/errors';
import { applyProviderPolicy, policyExclusion } from '../routing/policy';
import type { RoutingPolicy } from '../routing/router';
import { calendarWindow, formatResetDuration, minuteWindow, type TimeWindow } from './calendar';
import {
  isQuotaRefusal,
  type QuotaDemand,
  type QuotaHold,
  type QuotaMetric,
  type QuotaRefusal,
  type QuotaSlices,
  type Slice,
} from './quota-slices';
import type { WorkspaceRules, WorkspaceRulesCache } from './workspace-rules';

/** A request's quota hold, ended once by `settle` or `release`. */
export interface QuotaTicket {
  hold: QuotaHold;
  settled: boolean;
}

const FOREVER: TimeWindow = { startMs: 0, endMs: Number.MAX_SAFE_INTEGER };

const LIMIT_NAMES: Record<QuotaMetric, string> = {
  requests: 'requests per minute',
  tokens: 'tokens per minute',
  credits_day: 'credits per day',
  credits_month: 'credits per month',
  concurrent: 'concurrent requests',
};

interface Calendar {
  day: TimeWindow;
  month: TimeWindow;
}

/**
 * Per-workspace governance on the hot path: the provider policy narrows the deployments routing may
 * use, and quotas (per workspace and per key: requests/tokens per minute, credits per calendar
 * day/month, concurrent requests) are taken from shared slices in memory. Answers OpenAI's
 * `x-ratelimit-*` headers on success and on 429.
 */
export class WorkspaceGovernor {
  private readonly calendars = new Map<string, Calendar>();

  constructor(
    readonly rules: WorkspaceRulesCache,
    private readonly slices: QuotaSlices,
    private readonly now: () => number,
  ) {}

  rulesFor(workspaceId: string): WorkspaceRules | Promise<WorkspaceRules> {
    return this.rules.get(workspaceId);
  }

  /**
   * The deployments the workspace's policy lets routing use (fallback included). None left: a 403
   * naming the policy — never a quiet fallback to an excluded provider.
   */
  allowedDeployments<D extends { id: string; providerId: string }>(
    rules: WorkspaceRules,
    aliasName: string,
    deployments: readonly D[],
    regionOf: (d: D) => string | null | undefined,
  ): D[] {
    if (!rules.policy) return deployments as D[];
    const { allowed, excluded } = applyProviderPolicy(rules.policy, deployments, regionOf);
    if (allowed.length === 0 && excluded.length > 0)
      throw new GatewayError(
        'model_not_allowed_by_policy',
        `The model '${aliasName}' is not available under the provider policy of workspace ` +
          `'${rules.workspaceId}': ${excluded.slice(0, 4).join('; ')}.`,
        'model',
      );
    return allowed;
  }

  /** Whether the policy leaves any of these deployments (GET /v1/models lists only usable models). */
  allowsAny(
    rules: WorkspaceRules,
    deployments: readonly { id: string; providerId: string }[],
    regionOf: (providerId: string) => string | null | undefined,
  ): boolean {
    const policy = rules.policy;
    if (!policy) return true;
    return deployments.some(
      (d) => policyExclusion(policy, d.id, d.providerId, regionOf(d.providerId)) === null,
    );
  }

  /**
   * The error of a request whose allowed deployments all failed, saying that the policy kept the
   * others out (so nobody wonders why the healthy excluded provider was not used).
   */
  explainFailure(rules: WorkspaceRules, excludedAny: boolean, error: GatewayError): GatewayError {
    if (!excludedAny) return error;
    return new GatewayError(
      error.code,
      `${error.message} Deployments excluded by the provider policy of workspace '${rules.workspaceId}' ` +
        'were not tried.',
      error.param,
      error.statusOverride,
    );
  }

  routingPolicy(rules: WorkspaceRules, aliasPolicy: RoutingPolicy): RoutingPolicy {
    return rules.policy?.routingPolicy ?? aliasPolicy;
  }

  /**
   * Takes the request's quotas (1 request, `estimatedTokens`, `worstCaseNanocredits` of each credit
   * quota, 1 concurrency slot) or throws a 429 naming the limit. Sets the rate-limit headers on `res`.
   * No quotas configured: null, at no cost.
   */
  admit(
    key: ApiKeyRecord,
    rules: WorkspaceRules,
    estimatedTokens: number,
    worstCaseNanocredits: bigint,
    res: ServerResponse,
  ): QuotaTicket | null | Promise<QuotaTicket | null> {
    const q = rules.quotas;
    const kq = rules.keyQuotas.size === 0 ? undefined : rules.keyQuotas.get(key.id);
    if (!q && !kq && key.requestsPerMinute === null && key.tokensPerMinute === null) return null;
    const now = this.now();
    const minute = minuteWindow(now);
    const tokens = BigInt(Math.max(0, Math.ceil(estimatedTokens)));
    const demands: QuotaDemand[] = [];
    const keyScope = `key:${key.id}`;
    const wsScope = `ws:${key.workspaceId}`;
    // The key's own limits and those its workspace sets for it share one counter: the tighter wins.
    const keyRpm = tighter(key.requestsPerMinute, kq?.requestsPerMinute ?? null);
    const keyTpm = tighter(key.tokensPerMinute, kq?.tokensPerMinute ?? null);
    if (keyRpm !== null) demands.push(demand(keyScope, 'requests', keyRpm, 1n, minute));
    if (keyTpm !== null) demands.push(demand(keyScope, 'tokens', keyTpm, tokens, minute));
    if (kq && (kq.creditsPerDayNanocredits !== null || kq.creditsPerMonthNanocredits !== null)) {
      const cal = this.calendar(q?.timeZone ?? 'UTC', now);
      if (kq.creditsPerDayNanocredits !== null)
        demands.push(
          credits(keyScope, 'credits_day', kq.creditsPerDayNanocredits, worstCaseNanocredits, cal.day),
        );
      if (kq.creditsPerMonthNanocredits !== null)
        demands.push(
          credits(keyScope, 'credits_month', kq.creditsPerMonthNanocredits, worstCaseNanocredits, cal.month),
        );
    }
    if (kq?.concurrentRequests != null)
      demands.push(demand(keyScope, 'concurrent', kq.concurrentRequests, 1n, FOREVER));
    if (q) {
      if (q.requestsPerMinute !== null)
        demands.push(demand(wsScope, 'requests', q.requestsPerMinute, 1n, minute));
      if (q.tokensPerMinute !== null)
        demands.push(demand(wsScope, 'tokens', q.tokensPerMinute, tokens, minute));
      if (q.creditsPerDayNanocredits !== null || q.creditsPerMonthNanocredits !== null) {
        const cal = this.calendar(q.timeZone, now);
        if (q.creditsPerDayNanocredits !== null)
          demands.push({
            scope: wsScope,
            metric: 'credits_day',
            limit: q.creditsPerDayNanocredits,
            amount: worstCaseNanocredits,
            window: cal.day,
          });
        if (q.creditsPerMonthNanocredits !== null)
          demands.push({
            scope: wsScope,
            metric: 'credits_month',
            limit: q.creditsPerMonthNanocredits,
            amount: worstCaseNanocredits,
            window: cal.month,
          });
      }
      if (q.concurrentRequests !== null)
        demands.push(demand(wsScope, 'concurrent', q.concurrentRequests, 1n, FOREVER));
    }
    if (demands.length === 0) return null;
    const outcome = this.slices.acquire(demands);
    if (outcome instanceof Promise) return outcome.then((o) => this.decide(o, demands, key, res));
    return this.decide(outcome, demands, key, res);
  }

  /** Ends a request that was admitted but never ran (e.g. no credits): it uses nothing. */
  release(ticket: QuotaTicket | null): void {
    if (!ticket || ticket.settled) return;
    ticket.settled = true;
    this.slices.settle(
      ticket.hold,
      ticket.hold.slices.map(() => 0n),
    );
  }

  /** Ends a request with what it used: its tokens and its charge; its concurrency slot goes back. */
  settle(ticket: QuotaTicket | null, tokens: number, priceNanocredits: bigint): void {
    if (!ticket || ticket.settled) return;
    ticket.settled = true;
    const { hold } = ticket;
    const actual = new Array<bigint>(hold.slices.length);
    for (let i = 0; i < hold.slices.length; i++) {
      const metric = hold.slices[i].ref.metric;
      switch (metric) {
        case 'requests':
          actual[i] = hold.amounts[i];
          break;
        case 'tokens':
          actual[i] = BigInt(tokens);
          break;
        case 'credits_day':
        case 'credits_month':
          actual[i] = priceNanocredits;
          break;
        case 'concurrent':
          actual[i] = 0n;
          break;
        default: {
          const never: never = metric;
          throw new Error(`unknown quota metric ${String(never)}`);
        }
      }
    }
    this.slices.settle(hold, actual);
  }

  close(): Promise<void> {
    return this.slices.close();
  }

  private decide(
    outcome: QuotaHold | QuotaRefusal,
    demands: readonly QuotaDemand[],
    key: ApiKeyRecord,
    res: ServerResponse,
  ): QuotaTicket {
    if (!isQuotaRefusal(outcome)) {
      setRateLimitHeaders(res, outcome.slices, this.slices);
      return { hold: outcome, settled: false };
    }
    const refusal = outcome;
    const slices = demands.map((d) => this.slices.sliceFor(d));
    setRateLimitHeaders(res, slices, this.slices);
    const view = this.slices.view(refusal.slice);
    const resetMs = Math.max(0, view.resetMs);
    if (refusal.demand.metric !== 'concurrent')
      res.setHeader('retry-after', String(Math.max(1, Math.ceil(resetMs / 1000))));
    const who =
      refusal.demand.scope === `key:${key.id}` ? `API key '${key.prefix}'` : `workspace '${key.workspaceId}'`;
    const used = view.limit - view.remaining;
    const retry =
      refusal.demand.metric === 'concurrent'
        ? 'Please retry when a request in flight has finished.'
        : `Please try again in ${formatResetDuration(resetMs)}.`;
    throw new GatewayError(
      'rate_limited',
      `Rate limit reached for ${LIMIT_NAMES[refusal.demand.metric]} on ${who}: ` +
        `Limit ${view.limit}, Used ${used}, Requested ${refusal.demand.amount}. ${retry}`,
    );
  }

  private calendar(timeZone: string, now: number): Calendar {
    let cal = this.calendars.get(timeZone);
    if (!cal || now >= cal.day.endMs || now < cal.day.startMs) {
      const day = calendarWindow('day', timeZone, now);
      const month =
        cal && now < cal.month.endMs && now >= cal.month.startMs
          ? cal.month
          : calendarWindow('month', timeZone, now);
      cal = { day, month };
      if (this.calendars.size >= 1_000) this.calendars.clear();
      this.calendars.set(timeZone, cal);
    }
    return cal;
  }
}

function tighter(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function credits(
  scope: string,
  metric: 'credits_day' | 'credits_month',
  limit: bigint,
  amount: bigint,
  window: TimeWindow,
): QuotaDemand {
  return { scope, metric, limit, amount, window };
}

function demand(
  scope: string,
  metric: QuotaMetric,
  limit: number,
  amount: bigint,
  window: TimeWindow,
): QuotaDemand {
  return { scope, metric, limit: BigInt(limit), amount, window };
}

/**
 * OpenAI's headers: for requests and for tokens, the tightest counter of the request (key or
 * workspace): its limit, what is left over all gateway instances, and when its window resets.
 */
function setRateLimitHeaders(res: ServerResponse, slices: readonly Slice[], quota: QuotaSlices): void {
  let requests: ReturnType<QuotaSlices['view']> | null = null;
  let tokens: ReturnType<QuotaSlices['view']> | null = null;
  for (const s of slices) {
    if (s.ref.metric !== 'requests' && s.ref.metric !== 'tokens') continue;
    const v = quota.view(s);
    if (s.ref.metric === 'requests') {
      if (!requests || v.remaining < requests.remaining) requests = v;
    } else if (!tokens || v.remaining < tokens.remaining) tokens = v;
  }
  if (requests) {
    res.setHeader('x-ratelimit-limit-requests', requests.limit.toString());
    res.setHeader('x-ratelimit-remaining-requests', requests.remaining.toString());
    res.setHeader('x-ratelimit-reset-requests', formatResetDuration(requests.resetMs));
  }
  if (tokens) {
    res.setHeader('x-ratelimit-limit-tokens', tokens.limit.toString());
    res.setHeader('x-ratelimit-remaining-tokens', tokens.remaining.toString());
    res.setHeader('x-ratelimit-reset-tokens', formatResetDuration(tokens.resetMs));
  }
}
