import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';

describe('tollgate start (all-in-one process)', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_SEED_DEMO: 'true',
    });
    running = await bootstrap(config, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a started product, when /healthz is asked, then the process says it is up', async () => {
    const res = await fetch(`${running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('given a reachable database, when /readyz is asked, then every check passes', async () => {
    const res = await fetch(`${running.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => c.name)).toContain('database');
  });

  it('given the seeded demo, when its API key calls the demo alias with the official client, then it answers and is metered', async () => {
    const demo = running.demo!;
    expect(demo.apiKey).toMatch(/^tg_/);
    const client = new OpenAI({ apiKey: demo.apiKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(demo.alias);
    const { data: res, response } = await client.chat.completions
      .create({ model: demo.alias, messages: [{ role: 'user', content: 'hello tollgate' }] })
      .withResponse();
    expect(res.choices[0].message.content).toContain('hello tollgate');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();

    // Demo cost is 0.5 / 1.5 credits per million input / output tokens, sold at +40%: 700 and 2100
    // nanocredits a token, so the charge is exact with no rounding.
    const prompt = BigInt(res.usage!.prompt_tokens);
    const completion = BigInt(res.usage!.completion_tokens);
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      let row: { price_nanocredits: string; cost_nanocredits: string } | undefined;
      for (let i = 0; i < 100 && !row; i++) {
        const q = await pool.query(
          'SELECT price_nanocredits, cost_nanocredits FROM request_log WHERE request_id = $1',
          [requestId],
        );
        row = q.rows[0];
        if (!row) await new Promise((ok) => setTimeout(ok, 100));
      }
      expect(row).toBeDefined();
      expect(BigInt(row!.cost_nanocredits)).toBe(prompt * 500n + completion * 1500n);
      expect(BigInt(row!.price_nanocredits)).toBe(prompt * 700n + completion * 2100n);
    } finally {
      await pool.end();
    }
  }, 30_000);

  it('given the seeded demo, when the start runs again on the same data, then the same logins and key are kept', async () => {
    const again = await bootstrap(
      loadConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_SEED_DEMO: 'true',
      }),
      () => undefined,
    );
    try {
      expect(again.demo).toEqual(running.demo);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('given no admin token in the environment, when the config loads twice, then the same generated token is kept', () => {
    const a = loadConfig({ TOLLGATE_DATA_DIR: dataDir });
    const b = loadConfig({ TOLLGATE_DATA_DIR: dataDir });
    expect(a.adminToken).toMatch(/^tga_/);
    expect(b.adminToken).toBe(a.adminToken);
    expect(b.masterKey.equals(a.masterKey)).toBe(true);
  });

  it('given a bad PORT, when the config loads, then it fails with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', TOLLGATE_DATA_DIR: dataDir })).toThrow(/PORT/);
  });
});
