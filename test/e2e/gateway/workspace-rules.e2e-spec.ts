import { randomBytes, randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { DomainError, migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import type { LeaseAdmission } from '@tollgate/gateway-core';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { runAccountCommand } from '../../../apps/gateway/src/admission/ledger-lease-ledger';
import { GatewayAdmin } from '../../../apps/gateway/src/catalog/gateway-admin';
import { createLeaseAdmission } from '../../../apps/gateway/src/gateway-app';
import { GatewayModule } from '../../../apps/gateway/src/gateway.module';
import { WorkspaceRulesService } from '../../../apps/gateway/src/workspace-rules';
import { FakeUpstream } from '../../fakes/fake-upstream';

/**
 * Two gateway instances (two Nest apps, each with its own pool, lease admission and quota slices)
 * share one database, as two processes behind a load balancer would.
 */
interface Instance {
  app: NestFastifyApplication;
  url: string;
  pool: Pool;
  store: PostgresEventStore;
  admission: LeaseAdmission;
}

const PRICE = { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '8' } as const;
/** A default fake answer (12 prompt + 7 completion tokens) at PRICE. */
const CHARGE_NANOCREDITS = 12n * 2_000n + 7n * 8_000n;
const MAX_TOKENS = 20;

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(60_000);

describe('workspace provider policy and quotas across two gateway instances', () => {
  let db: TestDatabase;
  let gateways: Instance[];
  let admin: GatewayAdmin;
  let rules: WorkspaceRulesService;
  let upstreamA: FakeUpstream;
  let upstreamB: FakeUpstream;
  let providerA: string;
  let providerB: string;
  const masterKey = randomBytes(32);

  async function startInstance(): Promise<Instance> {
    const pool = new Pool({ connectionString: db.url, max: 10 });
    pool.on('error', () => undefined);
    await migrateEventStore(pool);
    const store = new PostgresEventStore({ pool, log: () => undefined });
    const admission = createLeaseAdmission(store);
    const app = await NestFactory.create<NestFastifyApplication>(
      GatewayModule.forRoot({
        pool,
        masterKey,
        admission,
        store,
        warmTokenizer: false,
        cache: { keyTtlMs: 0, snapshotTtlMs: 0 },
        upstream: { timeouts: { connectMs: 1_000, headersMs: 2_000, bodyIdleMs: 2_000 } },
        keySpendFlushMs: 20,
        workspaceRules: {
          slices: { idleReturnMs: 200, syncIntervalMs: 50, exhaustedRecheckMs: 50 },
          cache: { ttlMs: 100 },
        },
      }),
      new FastifyAdapter({ bodyLimit: 256 * 1024, forceCloseConnections: true }),
      { logger: false },
    );
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return { app, url, pool, store, admission };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    [upstreamA, upstreamB] = await Promise.all([FakeUpstream.start(), FakeUpstream.start()]);
    gateways = [await startInstance(), await startInstance()];
    admin = gateways[0].app.get(GatewayAdmin);
    rules = gateways[0].app.get(WorkspaceRulesService);
    ({ id: providerA } = await admin.createProvider({
      name: 'fake-us',
      baseUrl: upstreamA.url,
      apiKey: 'sk-a',
      region: 'us',
    }));
    ({ id: providerB } = await admin.createProvider({
      name: 'fake-eu',
      baseUrl: upstreamB.url,
      apiKey: 'sk-b',
      region: 'eu',
    }));
    upstreamB.behave('up-500', { kind: 'status', status: 500 });
    upstreamA.behave('up-slow', { kind: 'ok', content: 'slow '.repeat(20), chunkDelayMs: 40 });
    await alias('plain', [['A', 'up-ok', 0]]);
    await alias('slow', [['A', 'up-slow', 0]]);
    await alias('pol-fb', [
      ['A', 'up-preferred', 0],
      ['B', 'up-500', 1],
    ]);
    await admin.setCostProfile({
      providerId: providerA,
      upstreamModel: 'up-dear',
      inputPerMillion: '1',
      outputPerMillion: '4',
    });
    await admin.setCostProfile({
      providerId: providerB,
      upstreamModel: 'up-cheap',
      inputPerMillion: '0.1',
      outputPerMillion: '0.2',
    });
    await alias('ordered', [
      ['A', 'up-dear', 0],
      ['B', 'up-cheap', 1],
    ]);
    await alias('regional', [
      ['A', 'up-reg-us', 0],
      ['B', 'up-reg-eu', 1],
    ]);
  });

  afterAll(async () => {
    for (const g of gateways ?? []) {
      await g.app.close();
      await g.pool.end();
    }
    await Promise.all([upstreamA?.close(), upstreamB?.close()]);
    await db?.drop();
  });

  async function alias(name: string, deployments: Array<['A' | 'B', string, number]>): Promise<void> {
    await admin.upsertAlias({
      name,
      deployments: deployments.map(([p, upstreamModel, priority]) => ({
        providerId: p === 'A' ? providerA : providerB,
        upstreamModel,
        priority,
      })),
    });
    await admin.setSellPrice({ alias: name, price: PRICE });
    await admin.openAlias(name, { overrideReason: 'e2e: no cost profile' });
  }

  /** A funded workspace with one key; its rules are set before any request so every instance loads them. */
  async function workspace(
    setup: (workspaceId: string, keyId: string) => Promise<unknown>,
    key: { requestsPerMinute?: number; tokensPerMinute?: number } = {},
  ): Promise<{ workspaceId: string; secret: string; prefix: string }> {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const now = new Date().toISOString();
    const store = gateways[0].store;
    const opened = await runAccountCommand(store, {
      type: 'OpenAccount',
      accountId,
      idempotencyKey: `open-${accountId}`,
      now,
      workspaceId,
      creditCurrency: 'EUR',
      overdraftLimitNanocredits: 0n,
    });
    if (opened instanceof DomainError) throw opened;
    const granted = await runAccountCommand(store, {
      type: 'GrantCredits',
      accountId,
      idempotencyKey: `grant-${accountId}`,
      now,
      grantId: `grant-${accountId}`,
      amountNanocredits: 100n * 1_000_000_000n,
      kind: 'manual',
      reason: 'e2e',
      actor: 'test',
    });
    if (granted instanceof DomainError) throw granted;
    const { id: keyId, secret, prefix } = await admin.createApiKey({ workspaceId, accountId, ...key });
    await setup(workspaceId, keyId);
    // The read model every instance loads from must hold the rules before the first request (a
    // store head read can trail a just-committed append, so wait for this workspace's own row).
    const { revision } = await rules.read(workspaceId);
    for (let i = 0; i < 400; i++) {
      const { rows } = await gateways[0].pool.query<{ revision: string }>(
        'SELECT revision::text FROM workspace_rules WHERE workspace_id = $1',
        [workspaceId],
      );
      if (revision < 0 || Number(rows[0]?.revision ?? -1) >= revision) return { workspaceId, secret, prefix };
      await new Promise((ok) => setTimeout(ok, 25));
    }
    throw new Error(`workspace_rules did not catch up with ${workspaceId}`);
  }

  const openPolicy = {
    allowProviders: null,
    denyProviders: [],
    allowDeployments: null,
    denyDeployments: [],
    requiredRegion: null,
    routingPolicy: null,
  };
  const noQuotas = {
    requestsPerMinute: null,
    tokensPerMinute: null,
    creditsPerDayNanocredits: null,
    creditsPerMonthNanocredits: null,
    concurrentRequests: null,
    timeZone: 'UTC',
  };

  /** The request body as sent (fixed bytes, so its worst case is known). */
  function bodyOf(model: string, stream = false): string {
    return JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: MAX_TOKENS,
      stream,
    });
  }

  interface Answer {
    status: number;
    headers: Headers;
    json: { error?: { code: string; message: string; type: string } } | null;
  }

  async function call(instance: number, secret: string, model: string, stream = false): Promise<Answer> {
    const res = await fetch(`${gateways[instance].url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: bodyOf(model, stream),
    });
    const text = await res.text();
    let json: Answer['json'] = null;
    if (!stream || res.status !== 200) json = JSON.parse(text) as Answer['json'];
    return { status: res.status, headers: res.headers, json };
  }

  async function models(secret: string): Promise<string[]> {
    const res = await fetch(`${gateways[1].url}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  }

  /** Per-minute specs must not straddle a minute boundary. */
  async function awayFromMinuteEnd(): Promise<void> {
    const intoMinuteMs = Date.now() % 60_000;
    if (intoMinuteMs > 45_000) await new Promise((ok) => setTimeout(ok, 60_000 - intoMinuteMs + 50));
  }

  async function counter(workspaceId: string, metric: string): Promise<{ used: bigint; consumed: bigint }> {
    const { rows } = await gateways[0].pool.query<{ used: string; consumed: string }>(
      `SELECT used::text, consumed::text FROM gateway_quota_counters WHERE scope = $1 AND metric = $2
        ORDER BY window_start_ms DESC LIMIT 1`,
      [`ws:${workspaceId}`, metric],
    );
    return { used: BigInt(rows[0]?.used ?? '0'), consumed: BigInt(rows[0]?.consumed ?? '0') };
  }

  it('given 20 requests per minute for a workspace, when 60 requests race over two instances, then exactly 20 are admitted and the rest get 429 with OpenAI rate-limit headers', async () => {
    await awayFromMinuteEnd();
    const { workspaceId, secret } = await workspace((id) =>
      rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId: id,
        ...noQuotas,
        requestsPerMinute: 20,
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(i % 2, secret, 'plain')));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(20);
    expect(limited).toHaveLength(40);
    // Both instances admitted some: the limit is shared, not per instance.
    expect(new Set(answers.map((a, i) => (a.status === 200 ? i % 2 : -1)).filter((x) => x >= 0)).size).toBe(
      2,
    );
    for (const a of ok) {
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('20');
      const remaining = Number(a.headers.get('x-ratelimit-remaining-requests'));
      expect(remaining).toBeGreaterThanOrEqual(0);
      expect(remaining).toBeLessThan(20);
      expect(a.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/);
    }
    for (const a of limited) {
      expect(a.json?.error?.code).toBe('rate_limit_exceeded');
      expect(a.json?.error?.type).toBe('rate_limit_error');
      expect(a.json?.error?.message).toContain(`requests per minute on workspace '${workspaceId}'`);
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('20');
      expect(a.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(a.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/);
    }
    expect((await counter(workspaceId, 'requests')).used).toBe(20n);
  });

  it('given a key limited to 5 requests and 1000 tokens a minute, then a success carries both request and token headers for the key', async () => {
    await awayFromMinuteEnd();
    const { secret } = await workspace(async () => undefined, {
      requestsPerMinute: 5,
      tokensPerMinute: 1000,
    });
    const first = await call(0, secret, 'plain');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('5');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('4');
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    // Held now: the prompt estimate (body bytes / 4) and max_tokens.
    const estimate = Math.ceil(Buffer.byteLength(bodyOf('plain')) / 4) + MAX_TOKENS;
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1000 - estimate));
    const second = await call(1, secret, 'plain');
    expect(second.status).toBe(200);
    expect(Number(second.headers.get('x-ratelimit-remaining-requests'))).toBeLessThanOrEqual(3);
  });

  it('given a daily credit quota, when bursts hit both instances and then one drains it, then the credits charged never exceed it and stop within one request of it', async () => {
    const limit = 2_000_000n; // 0.002 credits: 25 requests at their real price, far fewer at their worst case
    const { workspaceId, secret } = await workspace((id) =>
      rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId: id,
        ...noQuotas,
        creditsPerDayNanocredits: limit,
        timeZone: 'Europe/Berlin',
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const worstCase = BigInt(Buffer.byteLength(bodyOf('plain'))) * 2_000n + BigInt(MAX_TOKENS) * 8_000n;
    let admitted = 0;
    for (let wave = 0; wave < 3; wave++) {
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => call(i % 2, secret, 'plain')));
      admitted += answers.filter((a) => a.status === 200).length;
      const refused = answers.filter((a) => a.status === 429);
      for (const r of refused) expect(r.json?.error?.message).toContain('credits per day');
      expect(admitted * Number(CHARGE_NANOCREDITS)).toBeLessThanOrEqual(Number(limit));
    }
    // Idle slices go back to the shared counter; then one instance drains what is left.
    await new Promise((ok) => setTimeout(ok, 500));
    for (let i = 0; i < 40; i++) {
      const a = await call(0, secret, 'plain');
      if (a.status === 429) {
        expect(a.json?.error?.message).toContain(`credits per day on workspace '${workspaceId}'`);
        break;
      }
      expect(a.status).toBe(200);
      admitted++;
    }
    const charged = BigInt(admitted) * CHARGE_NANOCREDITS;
    expect(charged).toBeLessThanOrEqual(limit);
    expect(limit - charged).toBeLessThan(worstCase);
    // What the instances reported as consumed is exactly what was charged.
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await counter(workspaceId, 'credits_day')).consumed).toBe(charged);
  });

  it('given 3 requests a minute set by the workspace for one key, when 12 requests of that key race over two instances, then 3 are admitted and the 429 names the key', async () => {
    await awayFromMinuteEnd();
    const { secret, prefix } = await workspace((id, keyId) =>
      rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId: id,
        ...noQuotas,
        keys: [
          {
            keyId,
            requestsPerMinute: 3,
            tokensPerMinute: null,
            creditsPerDayNanocredits: null,
            creditsPerMonthNanocredits: null,
            concurrentRequests: null,
          },
        ],
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 2, secret, 'plain')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(9);
    for (const a of limited) {
      expect(a.json?.error?.message).toContain(`requests per minute on API key '${prefix}'`);
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('3');
    }
  });

  it('given at most 2 concurrent requests, when 6 slow streams start over two instances, then 2 run and 4 get 429; once they end a new one runs', async () => {
    const { workspaceId, secret } = await workspace((id) =>
      rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId: id,
        ...noQuotas,
        concurrentRequests: 2,
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(i % 2, secret, 'slow', true)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(4);
    for (const a of limited)
      expect(a.json?.error?.message).toContain(`concurrent requests on workspace '${workspaceId}'`);
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await call(1, secret, 'slow', true)).status).toBe(200);
  });

  it('given a policy denying the preferred provider, when the allowed deployment fails, then the client gets an error naming the policy and the excluded upstream got nothing', async () => {
    const { workspaceId, secret } = await workspace((id) =>
      rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId: id,
        ...openPolicy,
        denyProviders: [providerA],
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const before = upstreamA.requests.filter((r) => r.body.model === 'up-preferred').length;
    for (const instance of [0, 1]) {
      const a = await call(instance, secret, 'pol-fb');
      expect(a.status).toBe(502);
      expect(a.json?.error?.code).toBe('upstream_error');
      expect(a.json?.error?.message).toContain(`provider policy of workspace '${workspaceId}'`);
    }
    expect(upstreamA.requests.filter((r) => r.body.model === 'up-preferred').length).toBe(before);
    expect(upstreamB.requests.filter((r) => r.body.model === 'up-500').length).toBeGreaterThanOrEqual(2);
  });

  it('given an alias routed by priority, when the workspace chooses cost-aware routing, then its requests go to the cheaper deployment while others keep the priority order', async () => {
    const cost = await workspace((id) =>
      rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId: id,
        ...openPolicy,
        routingPolicy: 'cost',
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    const plain = await workspace(async () => undefined);
    const count = (f: FakeUpstream, model: string) => f.requests.filter((r) => r.body.model === model).length;
    const [dear, cheap] = [count(upstreamA, 'up-dear'), count(upstreamB, 'up-cheap')];
    expect((await call(0, cost.secret, 'ordered')).status).toBe(200);
    expect((await call(1, cost.secret, 'ordered')).status).toBe(200);
    expect(count(upstreamB, 'up-cheap')).toBe(cheap + 2);
    expect(count(upstreamA, 'up-dear')).toBe(dear);
    expect((await call(0, plain.secret, 'ordered')).status).toBe(200);
    expect(count(upstreamA, 'up-dear')).toBe(dear + 1);
  });

  it('given "only providers tagged eu", then the eu deployment serves although the us one is preferred; given a region no provider has, then 403 model_not_allowed_by_policy and no upstream is called', async () => {
    const eu = await workspace((id) =>
      rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId: id,
        ...openPolicy,
        requiredRegion: 'eu',
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    expect(await models(eu.secret)).toEqual(expect.arrayContaining(['regional', 'pol-fb']));
    // 'plain' and 'slow' have only the us deployment: not offered to this workspace.
    expect(await models(eu.secret)).not.toEqual(expect.arrayContaining(['plain']));
    const usBefore = upstreamA.requests.filter((r) => r.body.model === 'up-reg-us').length;
    const served = await call(1, eu.secret, 'regional');
    expect(served.status).toBe(200);
    expect(upstreamB.requests.filter((r) => r.body.model === 'up-reg-eu').length).toBeGreaterThanOrEqual(1);
    expect(upstreamA.requests.filter((r) => r.body.model === 'up-reg-us').length).toBe(usBefore);

    const ap = await workspace((id) =>
      rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId: id,
        ...openPolicy,
        requiredRegion: 'ap',
        actor: 'e2e',
        now: new Date().toISOString(),
      }),
    );
    expect(await models(ap.secret)).toEqual([]);
    const total = upstreamA.requests.length + upstreamB.requests.length;
    const refused = await call(0, ap.secret, 'regional');
    expect(refused.status).toBe(403);
    expect(refused.json?.error?.code).toBe('model_not_allowed_by_policy');
    expect(refused.json?.error?.message).toContain(`provider policy of workspace '${ap.workspaceId}'`);
    expect(refused.json?.error?.message).toContain("not tagged 'ap'");
    expect(upstreamA.requests.length + upstreamB.requests.length).toBe(total);
  });
});
