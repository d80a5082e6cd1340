import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

jest.setTimeout(60_000);

describe('admin API key creation with an Idempotency-Key', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;
  let demo: string;

  async function createKey(body: unknown, idempotencyKey?: string): Promise<Json> {
    const res = await fetch(`${running.url}/admin/api/workspaces/${demo}/api-keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${running.config.adminToken}`,
        'content-type': 'application/json',
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function keysNamed(name: string): Promise<string[]> {
    const res = await fetch(`${running.url}/admin/api/workspaces/${demo}/api-keys`, {
      headers: { authorization: `Bearer ${running.config.adminToken}` },
    });
    const { apiKeys } = (await res.json()) as { apiKeys: { id: string; name: string }[] };
    return apiKeys.filter((k) => k.name === name).map((k) => k.id);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-key-idem-'));
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_SEED_DEMO: 'true',
    });
    running = await bootstrap(config, () => undefined);
    demo = running.demo!.workspaceId;
    pool = new Pool({ connectionString: db.url, max: 2 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given no Idempotency-Key, when the same body is posted twice, then two keys are created as before', async () => {
    const first = await createKey({ name: 'no-header' });
    const second = await createKey({ name: 'no-header' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.apiKey.id).not.toBe(second.body.apiKey.id);
    expect((await keysNamed('no-header')).sort()).toEqual(
      [first.body.apiKey.id, second.body.apiKey.id].sort(),
    );
  });

  it('given a key created with an Idempotency-Key, when the same request is retried, then 409 IDEMPOTENT_REPLAY names that key without its secret and no second key exists', async () => {
    const body = { name: 'ci-deploy', allowedModels: ['fast'], requestsPerMinute: 60 };
    const created = await createKey(body, 'idem-ci-deploy-1');
    expect(created.status).toBe(201);
    expect(created.body.apiKey.secret).toMatch(/^tg_/);

    // Same body with its fields in another order is the same request.
    const retry = await createKey(
      { requestsPerMinute: 60, allowedModels: ['fast'], name: 'ci-deploy' },
      'idem-ci-deploy-1',
    );
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('IDEMPOTENT_REPLAY');
    expect(retry.body.error.message).toContain(created.body.apiKey.id);
    expect(retry.body.error.message).toMatch(/secret cannot be shown again/);
    expect(retry.body.apiKey).toEqual({ id: created.body.apiKey.id, prefix: created.body.apiKey.prefix });
    expect(JSON.stringify(retry.body)).not.toContain(created.body.apiKey.secret);
    expect(await keysNamed('ci-deploy')).toEqual([created.body.apiKey.id]);

    // The mapping is durable (a table), not process memory.
    const { rows } = await pool.query(
      'SELECT key_id, key_prefix FROM gateway_api_key_idempotency WHERE idempotency_key = $1',
      ['idem-ci-deploy-1'],
    );
    expect(rows).toEqual([{ key_id: created.body.apiKey.id, key_prefix: created.body.apiKey.prefix }]);
  });

  it('given a used Idempotency-Key, when it comes with a different body, then 409 IDEMPOTENCY_CONFLICT and nothing is created', async () => {
    const created = await createKey({ name: 'conflict-a' }, 'idem-conflict-1');
    expect(created.status).toBe(201);
    const other = await createKey({ name: 'conflict-b' }, 'idem-conflict-1');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await keysNamed('conflict-b')).toEqual([]);
  });

  it('given a bad Idempotency-Key, then 400 naming the header and nothing is created', async () => {
    const bad = await createKey({ name: 'bad-header' }, 'short');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'Idempotency-Key' });
    expect(await keysNamed('bad-header')).toEqual([]);
  });

  it('given two concurrent requests with one Idempotency-Key, then exactly one key is created and the other gets 409', async () => {
    const body = { name: 'concurrent' };
    const results = await Promise.all([
      createKey(body, 'idem-concurrent-1'),
      createKey(body, 'idem-concurrent-1'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(['IDEMPOTENT_REPLAY', 'IDEMPOTENCY_IN_PROGRESS']).toContain(loser.body.error.code);
    expect(await keysNamed('concurrent')).toHaveLength(1);
  });

  it('given an Idempotency-Key used more than 24 h ago, when it is used again, then a new key is created', async () => {
    const first = await createKey({ name: 'expiring' }, 'idem-expiring-1');
    expect(first.status).toBe(201);
    await pool.query(
      `UPDATE gateway_api_key_idempotency SET created_at = now() - interval '25 hours' WHERE idempotency_key = $1`,
      ['idem-expiring-1'],
    );
    const later = await createKey({ name: 'expiring' }, 'idem-expiring-1');
    expect(later.status).toBe(201);
    expect(later.body.apiKey.id).not.toBe(first.body.apiKey.id);
  });
});
