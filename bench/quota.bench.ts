// CPU the workspace rules add per /v1 request on the hot path (no I/O: slices cover every request).
// Prints JSON lines; the last one is the summary:
// {"bench":"quota","us_per_request_all_quotas":N,"us_per_request_no_rules":N,"store_claims":N}
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  DEFAULT_QUOTA_SLICES,
  InMemoryQuotaStore,
  QuotaSlices,
  WorkspaceGovernor,
  WorkspaceRulesCache,
  type ApiKeyRecord,
  type WorkspaceRulesRecord,
} from '@tollgate/gateway-core';

const REQUESTS = Number(process.env.BENCH_QUOTA_REQUESTS ?? 200_000);
const WARMUP = 20_000;

const everything: WorkspaceRulesRecord = {
  workspaceId: 'ws-all',
  revision: 0,
  policy: {
    allowProviders: null,
    denyProviders: ['p-x'],
    allowDeployments: null,
    denyDeployments: [],
    requiredRegion: 'eu',
    routingPolicy: null,
  },
  quotas: {
    requestsPerMinute: 1_000_000_000,
    tokensPerMinute: 1_000_000_000,
    creditsPerDayNanocredits: 10n ** 20n,
    creditsPerMonthNanocredits: 10n ** 21n,
    concurrentRequests: 100_000,
    timeZone: 'Europe/Berlin',
  },
};

function key(workspaceId: string, limited: boolean): ApiKeyRecord {
  return {
    id: `key-${workspaceId}`,
    workspaceId,
    accountId: 'acct',
    prefix: 'tg_bench',
    allowedModels: null,
    spendLimitNanocredits: null,
    spentNanocredits: 0n,
    requestsPerMinute: limited ? 1_000_000_000 : null,
    tokensPerMinute: limited ? 1_000_000_000 : null,
    revoked: false,
  } as ApiKeyRecord;
}

const deployments = [
  { id: 'd1', providerId: 'p-eu', region: 'eu' },
  { id: 'd2', providerId: 'p-us', region: 'us' },
];

async function main(): Promise<void> {
  const store = new InMemoryQuotaStore();
  const cache = new WorkspaceRulesCache(
    { load: async (id) => (id === everything.workspaceId ? everything : null) },
    { ttlMs: 3_600_000, maxWorkspaces: 10, now: Date.now },
  );
  const slices = new QuotaSlices(store, {
    ...DEFAULT_QUOTA_SLICES,
    holder: 'bench',
    syncIntervalMs: 3_600_000,
    now: Date.now,
    onError: (m, e) => console.error(m, e),
  });
  const governor = new WorkspaceGovernor(cache, slices, Date.now);
  const socket = new Socket();

  async function run(label: string, k: ApiKeyRecord, n: number): Promise<number> {
    const started = performance.now();
    let responsesMs = 0;
    for (let i = 0; i < n; i++) {
      const r0 = performance.now();
      const res = new ServerResponse(new IncomingMessage(socket));
      responsesMs += performance.now() - r0;
      const pending = governor.rulesFor(k.workspaceId);
      const rules = pending instanceof Promise ? await pending : pending;
      governor.allowedDeployments(rules, 'm', deployments, (d) => d.region);
      const admitted = governor.admit(k, rules, 120, 1_000_000n, res);
      const ticket = admitted instanceof Promise ? await admitted : admitted;
      governor.settle(ticket, 60, 1_000n);
    }
    const us = ((performance.now() - started - responsesMs) * 1000) / n;
    console.log(JSON.stringify({ label, requests: n, us_per_request: Number(us.toFixed(2)) }));
    return us;
  }

  const all = key(everything.workspaceId, true);
  const none = key('ws-none', false);
  await run('warm-up', all, WARMUP);
  await run('warm-up', none, WARMUP);
  const withAll = await run('key rpm+tpm, workspace rpm+tpm+day+month+concurrency, eu policy', all, REQUESTS);
  const without = await run('no rules, no key limits', none, REQUESTS);
  await slices.close();
  console.log(
    JSON.stringify({
      bench: 'quota',
      us_per_request_all_quotas: Number(withAll.toFixed(2)),
      us_per_request_no_rules: Number(without.toFixed(2)),
      store_claims: store.claims,
    }),
  );
}

void main();
