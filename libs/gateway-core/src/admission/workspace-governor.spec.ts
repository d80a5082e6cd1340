import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { ApiKeyRecord } from '../catalog/catalog';
import { GatewayError } from '../openai/errors';
import { InMemoryQuotaStore } from './in-memory-quota-store';
import { DEFAULT_QUOTA_SLICES, QuotaSlices } from './quota-slices';
import { WorkspaceGovernor, type QuotaTicket } from './workspace-governor';
import { WorkspaceRulesCache, type WorkspaceRulesRecord } from './workspace-rules';

const T0 = Date.parse('2026-06-10T21:30:15Z'); // 23:30:15 in Berlin: 30 minutes before the local day ends

describe('workspace governor (policy + quotas on the hot path)', () => {
  let clock: number;
  let records: Map<string, WorkspaceRulesRecord>;
  let cache: WorkspaceRulesCache;
  let slices: QuotaSlices;
  let governor: WorkspaceGovernor;

  beforeEach(() => {
    clock = T0;
    records = new Map();
    cache = new WorkspaceRulesCache(
      { load: async (id) => records.get(id) ?? null },
      { ttlMs: 1_000, maxWorkspaces: 100, now: () => clock },
    );
    slices = new QuotaSlices(new InMemoryQuotaStore(), {
      ...DEFAULT_QUOTA_SLICES,
      syncIntervalMs: 60_000,
      holder: 'gw',
      now: () => clock,
      onError: (m, e) => {
        throw new Error(`${m}: ${String(e)}`);
      },
    });
    governor = new WorkspaceGovernor(cache, slices, () => clock);
  });
  afterEach(() => slices.close());

  const key = (o: Partial<ApiKeyRecord> = {}): ApiKeyRecord =>
    ({
      id: 'key-1',
      workspaceId: 'ws-1',
      accountId: 'acct-1',
      prefix: 'tg_abc',
      allowedModels: null,
      spendLimitNanocredits: null,
      spentNanocredits: 0n,
      requestsPerMinute: null,
      tokensPerMinute: null,
      revoked: false,
      adminTest: false,
      ...o,
    }) as ApiKeyRecord;

  const response = (): ServerResponse => new ServerResponse(new IncomingMessage(new Socket()));

  function quotas(q: Partial<NonNullable<WorkspaceRulesRecord['quotas']>>): void {
    records.set('ws-1', {
      workspaceId: 'ws-1',
      revision: 0,
      policy: null,
      quotas: {
        requestsPerMinute: null,
        tokensPerMinute: null,
        creditsPerDayNanocredits: null,
        creditsPerMonthNanocredits: null,
        concurrentRequests: null,
        timeZone: 'Europe/Berlin',
        ...q,
      },
    });
  }

  async function admit(k: ApiKeyRecord, tokens: number, credits: bigint, res = response()) {
    const rules = await cache.get(k.workspaceId);
    const ticket = await governor.admit(k, rules, tokens, credits, res);
    return { ticket, res };
  }

  it('given no quotas and no key limits, then admission takes nothing and sets no headers', async () => {
    const { ticket, res } = await admit(key(), 100, 1_000n);
    expect(ticket).toBeNull();
    expect(res.getHeaderNames().filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('given a key tighter than its workspace, then the headers show the tighter counter', async () => {
    quotas({ requestsPerMinute: 100, tokensPerMinute: 10_000 });
    const { res } = await admit(key({ requestsPerMinute: 3, tokensPerMinute: 50_000 }), 400, 0n);
    expect(res.getHeader('x-ratelimit-limit-requests')).toBe('3');
    expect(res.getHeader('x-ratelimit-remaining-requests')).toBe('2');
    expect(res.getHeader('x-ratelimit-limit-tokens')).toBe('10000');
    expect(res.getHeader('x-ratelimit-remaining-tokens')).toBe('9600');
    expect(res.getHeader('x-ratelimit-reset-requests')).toBe('45s');
  });

  it('given tokens held at the estimate, when the request used fewer, then the difference is free again', async () => {
    quotas({ tokensPerMinute: 1_000 });
    const first = await admit(key(), 900, 0n);
    await expect(admit(key(), 200, 0n)).rejects.toThrow(/tokens per minute on workspace 'ws-1'/);
    governor.settle(first.ticket, 300, 0n);
    clock += 1_000; // past the exhausted recheck
    const second = await admit(key(), 200, 0n);
    expect(second.res.getHeader('x-ratelimit-remaining-tokens')).toBe('500');
  });

  it('given a daily credit quota in Berlin, then a refusal says which limit and when it resets, with retry-after', async () => {
    quotas({ creditsPerDayNanocredits: 1_000n });
    const { ticket } = await admit(key(), 10, 800n);
    expect(ticket).not.toBeNull();
    const res = response();
    const refused = await admit(key(), 10, 300n, res).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).code).toBe('rate_limited');
    expect((refused as GatewayError).message).toBe(
      "Rate limit reached for credits per day on workspace 'ws-1': Limit 1000, Used 800, Requested 300. " +
        'Please try again in 29m45s.',
    );
    expect(res.getHeader('retry-after')).toBe('1785');
  });

  it('given the local day ends, then the daily credit quota starts again', async () => {
    quotas({ creditsPerDayNanocredits: 1_000n });
    await admit(key(), 10, 1_000n);
    await expect(admit(key(), 10, 1n)).rejects.toThrow(/credits per day/);
    clock = Date.parse('2026-06-10T22:00:00Z'); // midnight in Berlin
    const { ticket } = await admit(key(), 10, 1_000n);
    expect(ticket).not.toBeNull();
  });

  it('given a request that never ran, when released, then it counts against nothing', async () => {
    quotas({ requestsPerMinute: 1, concurrentRequests: 1 });
    const { ticket } = await admit(key(), 10, 0n);
    governor.release(ticket);
    governor.release(ticket); // once only
    const again = await admit(key(), 10, 0n);
    expect(again.ticket).not.toBeNull();
    expect(again.res.getHeader('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('given a concurrency limit, then a refusal asks to retry when a request finishes (no retry-after)', async () => {
    quotas({ concurrentRequests: 1 });
    const { ticket } = await admit(key(), 10, 0n);
    const res = response();
    await expect(admit(key(), 10, 0n, res)).rejects.toThrow(
      /concurrent requests on workspace 'ws-1': Limit 1, Used 1, Requested 1\. Please retry when a request in flight has finished\./,
    );
    expect(res.getHeader('retry-after')).toBeUndefined();
    governor.settle(ticket as QuotaTicket, 10, 0n);
    clock += 1_000;
    expect((await admit(key(), 10, 0n)).ticket).not.toBeNull();
  });

  it('given quotas the workspace sets for one key, then that key is limited (the tighter per-minute limit wins) and others are not', async () => {
    quotas({
      keys: [
        {
          keyId: 'key-1',
          requestsPerMinute: 5,
          tokensPerMinute: null,
          creditsPerDayNanocredits: 500n,
          creditsPerMonthNanocredits: null,
          concurrentRequests: null,
        },
      ],
    });
    const first = await admit(key({ requestsPerMinute: 2 }), 10, 400n);
    expect(first.res.getHeader('x-ratelimit-limit-requests')).toBe('2');
    await expect(admit(key({ requestsPerMinute: 2 }), 10, 200n)).rejects.toThrow(
      "Rate limit reached for credits per day on API key 'tg_abc': Limit 500, Used 400, Requested 200.",
    );
    const other = await admit(key({ id: 'key-2' }), 10, 10_000n);
    expect(other.ticket).toBeNull();
  });

  it('given a policy, then only allowed deployments remain; none left is a 403 naming the workspace; a failure notes the exclusion', async () => {
    records.set('ws-1', {
      workspaceId: 'ws-1',
      revision: 0,
      quotas: null,
      policy: {
        allowProviders: null,
        denyProviders: ['p-us'],
        allowDeployments: null,
        denyDeployments: [],
        requiredRegion: null,
        routingPolicy: 'cost',
      },
    });
    const rules = await cache.get('ws-1');
    const deployments = [
      { id: 'd1', providerId: 'p-us' },
      { id: 'd2', providerId: 'p-eu' },
    ];
    expect(governor.allowedDeployments(rules, 'm', deployments, () => null).map((d) => d.id)).toEqual(['d2']);
    expect(governor.routingPolicy(rules, 'priority')).toBe('cost');
    expect(governor.allowsAny(rules, [deployments[0]], () => null)).toBe(false);
    let thrown: unknown;
    try {
      governor.allowedDeployments(rules, 'm', [deployments[0]], () => null);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe('model_not_allowed_by_policy');
    expect((thrown as GatewayError).status).toBe(403);
    expect((thrown as GatewayError).message).toBe(
      "The model 'm' is not available under the provider policy of workspace 'ws-1': provider 'p-us' is denied.",
    );
    const failed = governor.explainFailure(
      rules,
      true,
      new GatewayError('upstream_error', 'The upstream failed.'),
    );
    expect(failed.message).toBe(
      "The upstream failed. Deployments excluded by the provider policy of workspace 'ws-1' were not tried.",
    );
    expect(failed.status).toBe(502);
  });
});

describe('workspace rules cache', () => {
  it('given rules written here, then a reload of an older read-model row does not replace them', async () => {
    let clock = 0;
    let row: WorkspaceRulesRecord | null = null;
    const cache = new WorkspaceRulesCache(
      { load: async () => row },
      { ttlMs: 10, maxWorkspaces: 10, now: () => clock },
    );
    expect((await cache.get('ws')).quotas).toBeNull();
    const written: WorkspaceRulesRecord = {
      workspaceId: 'ws',
      revision: 3,
      policy: null,
      quotas: {
        requestsPerMinute: 5,
        tokensPerMinute: null,
        creditsPerDayNanocredits: null,
        creditsPerMonthNanocredits: null,
        concurrentRequests: null,
        timeZone: 'UTC',
      },
    };
    cache.put(written);
    row = { ...written, revision: 2, quotas: null }; // the read model still lags
    clock += 20;
    expect((await cache.get('ws')).quotas?.requestsPerMinute).toBe(5); // stale-while-reload
    await new Promise((ok) => setImmediate(ok));
    expect((await cache.get('ws')).quotas?.requestsPerMinute).toBe(5);
    row = { ...written, revision: 4, quotas: { ...written.quotas!, requestsPerMinute: 9 } };
    clock += 20;
    cache.get('ws');
    await new Promise((ok) => setImmediate(ok));
    expect((await cache.get('ws')).quotas?.requestsPerMinute).toBe(9);
  });

  it('given a failing read model, then the cached rules keep serving and the next request retries', async () => {
    let clock = 0;
    let fail = false;
    let loads = 0;
    const cache = new WorkspaceRulesCache(
      {
        load: async () => {
          loads++;
          if (fail) throw new Error('db down');
          return null;
        },
      },
      { ttlMs: 10, maxWorkspaces: 10, now: () => clock },
    );
    await cache.get('ws');
    fail = true;
    clock += 20;
    expect(await cache.get('ws')).toMatchObject({ policy: null, quotas: null });
    await new Promise((ok) => setImmediate(ok));
    await cache.get('ws');
    await new Promise((ok) => setImmediate(ok));
    expect(loads).toBe(3);
  });
});
