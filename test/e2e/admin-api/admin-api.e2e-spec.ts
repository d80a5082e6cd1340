import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';

/** Every route AdminCatalogController and AdminDocsController register, as OpenAPI paths. */
const ADMIN_ROUTES: [method: string, path: string][] = [
  ['get', '/admin/api/openapi.json'],
  ['get', '/admin/api/workspaces'],
  ['post', '/admin/api/workspaces/{workspaceId}/credit-grants'],
  ['get', '/admin/api/workspaces/{workspaceId}/api-keys'],
  ['post', '/admin/api/workspaces/{workspaceId}/api-keys'],
  ['delete', '/admin/api/workspaces/{workspaceId}/api-keys/{keyId}'],
  ['get', '/admin/api/providers'],
  ['post', '/admin/api/providers'],
  ['post', '/admin/api/providers/{providerId}/rotate-key'],
  ['post', '/admin/api/cost-profiles'],
  ['post', '/admin/api/sell-prices'],
  ['put', '/admin/api/aliases/{name}'],
  ['get', '/admin/api/aliases'],
  ['get', '/admin/api/aliases/{name}'],
  ['get', '/admin/api/aliases/{name}/review'],
  ['post', '/admin/api/aliases/{name}/status'],
  ['get', '/admin/api/margin-flags'],
  ['patch', '/admin/api/providers/{providerId}'],
  ['put', '/admin/api/workspaces/{workspaceId}/api-keys/{keyId}/limits'],
  // Documented routes of the payments and invoices controllers.
  ['get', '/admin/api/payments/orders'],
  ['post', '/admin/api/payments/orders/{orderId}/refunds'],
  ['get', '/admin/api/invoices'],
  ['get', '/admin/api/invoices/{invoiceId}/pdf'],
];

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('admin JSON API (/admin/api)', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Json> {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${running.config.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function postedNanocredits(accountId: string): Promise<bigint> {
    const { rows } = await pool.query('SELECT posted_nanocredits FROM balances WHERE account_id = $1', [
      accountId,
    ]);
    return rows[0] ? BigInt(rows[0].posted_nanocredits) : 0n;
  }

  /** Projections are asynchronous: poll until the balance is the expected one (bounded). */
  async function awaitPosted(accountId: string, expected: bigint): Promise<bigint> {
    let posted = await postedNanocredits(accountId);
    for (let i = 0; i < 100 && posted !== expected; i++) {
      await new Promise((ok) => setTimeout(ok, 50));
      posted = await postedNanocredits(accountId);
    }
    return posted;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-admin-api-'));
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_SEED_DEMO: 'true',
    });
    running = await bootstrap(config, () => undefined);
    pool = new Pool({ connectionString: db.url, max: 2 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given no token, when the admin API is asked, then it answers 401', async () => {
    const res = await fetch(`${running.url}/admin/api/workspaces`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^[A-Z_]+$/);
    const wrong = await fetch(`${running.url}/admin/api/providers`, {
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
  });

  it('given the seeded demo, when workspaces are listed, then the demo shows with its exact balance', async () => {
    const demo = running.demo!.workspaceId;
    // The seed's credits reach the balances view asynchronously.
    let posted = await postedNanocredits(demo);
    for (let i = 0; i < 100 && posted === 0n; i++) {
      await new Promise((ok) => setTimeout(ok, 50));
      posted = await postedNanocredits(demo);
    }
    expect(posted).toBeGreaterThan(0n);
    const res = await call('GET', '/admin/api/workspaces');
    expect(res.status).toBe(200);
    const ws = res.body.workspaces.find((w: { id: string }) => w.id === demo);
    expect(ws).toBeDefined();
    expect(ws.balance.postedCredits).toMatch(/^\d+\.\d{9}$/);
    expect(BigInt(ws.balance.postedCredits.replace('.', ''))).toBe(posted);
  });

  it('given an Idempotency-Key, when the same grant is sent twice, then one grant posts and a different body is 409', async () => {
    const demo = running.demo!.workspaceId;
    const before = await awaitPosted(demo, await postedNanocredits(demo));
    const key = `grant-${Date.now()}-abc`;
    const grant = { credits: '12.5', reason: 'goodwill' };
    const first = await call('POST', `/admin/api/workspaces/${demo}/credit-grants`, grant, {
      'idempotency-key': key,
    });
    expect(first.status).toBe(201);
    expect(first.body.grant).toMatchObject({ id: key, credits: '12.500000000', kind: 'manual' });
    expect(first.body.balanceImpact.postedCredits).toBe('12.500000000');
    const again = await call('POST', `/admin/api/workspaces/${demo}/credit-grants`, grant, {
      'idempotency-key': key,
    });
    expect(again.status).toBe(201);
    expect(again.body.grant).toEqual(first.body.grant);
    expect(again.body.replayed).toBe(true);

    const expected = before + 12_500_000_000n;
    expect(await awaitPosted(demo, expected)).toBe(expected);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await postedNanocredits(demo)).toBe(expected);

    const conflict = await call(
      'POST',
      `/admin/api/workspaces/${demo}/credit-grants`,
      { credits: '13', reason: 'goodwill' },
      { 'idempotency-key': key },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('given bad input, when a grant is sent, then 400 names the field', async () => {
    const demo = running.demo!.workspaceId;
    const tooPrecise = await call(
      'POST',
      `/admin/api/workspaces/${demo}/credit-grants`,
      { credits: '1.2345678901', reason: 'x' },
      { 'idempotency-key': 'precise-key-1' },
    );
    expect(tooPrecise.status).toBe(400);
    expect(tooPrecise.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'credits' });
    const noKey = await call('POST', `/admin/api/workspaces/${demo}/credit-grants`, {
      credits: '1',
      reason: 'x',
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.field).toBe('Idempotency-Key');
    const unknown = await call(
      'POST',
      '/admin/api/workspaces/00000000-0000-4000-8000-000000000000/credit-grants',
      { credits: '1', reason: 'x' },
      { 'idempotency-key': 'unknown-ws-key' },
    );
    expect(unknown.status).toBe(404);
  });

  it('given a new provider, cost profile, alias and sell price, when a new API key calls the alias, then it answers; the key text never leaves', async () => {
    const demo = running.demo!.workspaceId;
    const upstreamKey = 'sk-upstream-secret-admin-api-1234';
    const provider = await call('POST', '/admin/api/providers', {
      name: 'admin-api-upstream',
      baseUrl: `${running.url}/demo-upstream/v1`,
      apiKey: upstreamKey,
    });
    expect(provider.status).toBe(201);
    const providerId = provider.body.provider.id as string;

    const badUrl = await call('POST', '/admin/api/providers', { name: 'x', baseUrl: 'ftp://x', apiKey: 'k' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.field).toBe('baseUrl');

    const cost = await call('POST', '/admin/api/cost-profiles', {
      providerId,
      upstreamModel: 'tollgate-demo-1',
      inputPerMillion: '0.5',
      outputPerMillion: '1.5',
    });
    expect(cost.status).toBe(201);
    expect(cost.body.costProfile.version).toBe(1);

    const alias = await call('PUT', '/admin/api/aliases/admin-api-model', {
      deployments: [{ providerId, upstreamModel: 'tollgate-demo-1' }],
    });
    expect(alias.status).toBe(200);
    const unknownProvider = await call('PUT', '/admin/api/aliases/admin-api-other', {
      deployments: [{ providerId: 'prov_nope', upstreamModel: 'tollgate-demo-1' }],
    });
    expect(unknownProvider.status).toBe(404);

    const price = await call('POST', '/admin/api/sell-prices', {
      alias: 'admin-api-model',
      price: { kind: 'markup', markupPercent: '40' },
    });
    expect(price.status).toBe(201);
    const opened = await call('POST', '/admin/api/aliases/admin-api-model/status', {
      to: 'open',
      reason: 'reviewed: 40% markup',
    });
    expect(opened.status).toBe(200);
    expect(opened.body.alias.status).toBe('open');

    const key = await call('POST', `/admin/api/workspaces/${demo}/api-keys`, { name: 'admin-api' });
    expect(key.status).toBe(201);
    const secret = key.body.apiKey.secret as string;
    expect(secret).toMatch(/^tg_/);

    const chat = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'admin-api-model',
        messages: [{ role: 'user', content: 'via admin api' }],
      }),
    });
    expect(chat.status).toBe(200);
    const completion = (await chat.json()) as { choices: { message: { content: string } }[] };
    expect(completion.choices[0].message.content).toContain('via admin api');

    const keys = await call('GET', `/admin/api/workspaces/${demo}/api-keys`);
    expect(keys.status).toBe(200);
    expect(JSON.stringify(keys.body)).not.toContain(secret);
    expect(keys.body.apiKeys.map((k: { id: string }) => k.id)).toContain(key.body.apiKey.id);

    const rotated = await call('POST', `/admin/api/providers/${providerId}/rotate-key`, {
      apiKey: 'sk-rotated-secret-5678',
    });
    expect(rotated.status).toBe(200);
    expect((await call('POST', '/admin/api/providers/prov_nope/rotate-key', { apiKey: 'k' })).status).toBe(
      404,
    );

    const providers = await call('GET', '/admin/api/providers');
    expect(providers.status).toBe(200);
    expect(providers.body.providers.map((p: { id: string }) => p.id)).toContain(providerId);
    const text = JSON.stringify(providers.body);
    expect(text).not.toContain(upstreamKey);
    expect(text).not.toContain('sk-rotated-secret-5678');
    expect(text).not.toMatch(/sealed|apiKey/i);

    const revoke = await call('DELETE', `/admin/api/workspaces/${demo}/api-keys/${key.body.apiKey.id}`);
    expect(revoke.status).toBe(204);
    expect((await call('DELETE', `/admin/api/workspaces/${demo}/api-keys/key_nope`)).status).toBe(404);
  });

  it('given an alias priced below cost, when an admin reviews and opens it over the API, then opening is refused until an override reason is given, and a later cost rise is flagged', async () => {
    const demo = running.demo!.workspaceId;
    const provider = await call('POST', '/admin/api/providers', {
      name: 'admin-api-lifecycle',
      baseUrl: `${running.url}/demo-upstream/v1`,
      apiKey: 'sk-lifecycle',
      region: 'eu',
    });
    const providerId = provider.body.provider.id as string;
    const patched = await call('PATCH', `/admin/api/providers/${providerId}`, { region: 'us' });
    expect(patched.body).toMatchObject({ changed: true, provider: { id: providerId, region: 'us' } });
    await call('POST', '/admin/api/cost-profiles', {
      providerId,
      upstreamModel: 'tollgate-demo-1',
      inputPerMillion: '1',
      outputPerMillion: '2',
    });
    const defined = await call('PUT', '/admin/api/aliases/admin-api-loss', {
      deployments: [{ providerId, upstreamModel: 'tollgate-demo-1' }],
    });
    expect(defined.body.alias.status).toBe('draft');
    await call('POST', '/admin/api/sell-prices', {
      alias: 'admin-api-loss',
      price: { kind: 'per_million', inputPerMillion: '0.8', outputPerMillion: '1.6' },
    });

    const review = await call('GET', '/admin/api/aliases/admin-api-loss/review');
    expect(review.status).toBe(200);
    expect(review.body.review.lines[0]).toMatchObject({ providerId, marginPercent: '-25.00' });

    const refused = await call('POST', '/admin/api/aliases/admin-api-loss/status', {
      to: 'open',
      reason: 'go',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MARGIN_BELOW_THRESHOLD');

    const key = await call('POST', `/admin/api/workspaces/${demo}/api-keys`, { name: 'lifecycle' });
    const secret = key.body.apiKey.secret as string;
    const ask = () =>
      fetch(`${running.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'admin-api-loss', messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await ask()).status).toBe(404);

    const opened = await call('POST', '/admin/api/aliases/admin-api-loss/status', {
      to: 'open',
      reason: 'go',
      overrideReason: 'intro price',
    });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ alias: { status: 'open' }, changed: true });
    expect((await ask()).status).toBe(200);

    await call('POST', '/admin/api/sell-prices', {
      alias: 'admin-api-loss',
      price: { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '4' },
    });
    await call('POST', '/admin/api/cost-profiles', {
      providerId,
      upstreamModel: 'tollgate-demo-1',
      inputPerMillion: '3',
      outputPerMillion: '6',
    });
    const flags = await call('GET', '/admin/api/margin-flags');
    expect(flags.body.flags.map((f: { alias: string }) => f.alias)).toContain('admin-api-loss');
    const detail = await call('GET', '/admin/api/aliases/admin-api-loss');
    expect(detail.body.history.map((h: { kind: string }) => h.kind)).toEqual([
      'margin_flagged',
      'status',
      'status',
    ]);

    const limits = await call('PUT', `/admin/api/workspaces/${demo}/api-keys/${key.body.apiKey.id}/limits`, {
      allowedModels: ['demo-chat'],
    });
    expect(limits.body.apiKey.allowedModels).toEqual(['demo-chat']);
    expect((await ask()).status).toBe(403);
  });

  it('given the served OpenAPI document, when it is read without a token, then it is 3.1 and lists every admin route', async () => {
    const res = await fetch(`${running.url}/admin/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const missing = ADMIN_ROUTES.filter(([method, path]) => !doc.paths[path]?.[method]);
    expect(missing).toEqual([]);
  });
});
