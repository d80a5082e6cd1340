import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { waitForProjections } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';
import { ALL_PROJECTIONS } from '../../../apps/cli/src/projections';
import { runTollgate } from '../support/tollgate-cli';

jest.setTimeout(120_000);

describe('the tollgate command (auditor replay, verify, projections, migrate)', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    env = { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir };
    running = await bootstrap(
      loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', TOLLGATE_SEED_DEMO: 'true' }),
      () => undefined,
    );
    pool = new Pool({ connectionString: db.url, max: 2 });
    // Traffic, so the history has usage as well as the welcome grant.
    const res = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.demo!.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-chat', messages: [{ role: 'user', content: 'audit me' }] }),
    });
    expect(res.status).toBe(200);
    await running.close();
    const store = new (await import('@tollgate/event-store')).PostgresEventStore({ pool });
    try {
      await waitForProjections(
        pool,
        store,
        ALL_PROJECTIONS.map((p) => p.name),
        {
          until: await store.headPosition(),
          timeoutMs: 30_000,
        },
      ).catch(() => undefined);
    } finally {
      await store.close();
    }
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given an applied schema, when migrate runs again, then it succeeds and applies nothing new', async () => {
    const r = await runTollgate(['migrate'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migrations: up to date');
    expect(r.stdout).not.toContain('migration applied');
  });

  it('given a quiet store, when projections status runs, then every projection is listed with its version', async () => {
    const r = await runTollgate(['projections', 'status', '--json'], env);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; liveVersion: number | null }[];
    expect(rows.map((x) => x.name).sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    expect(rows.every((x) => x.liveVersion !== null)).toBe(true);
  });

  it('given the demo account, when replayed as JSON, then the history matches the read models and ends at the balance', async () => {
    const r = await runTollgate(['replay', '--account', running.demo!.workspaceId, '--json'], env);
    expect(r.stderr).not.toContain('DIFFERENCE');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CreditsGranted');
    expect(r.stdout).toContain('UsageRecorded');
  });

  it('given consistent read models, when verify runs, then it passes; given a tampered statement line, then it fails naming it', async () => {
    const clean = await runTollgate(['verify'], env);
    expect(clean.code).toBe(0);
    await pool.query(
      `UPDATE statement_lines SET amount_nanocredits = amount_nanocredits + 1
        WHERE account_id = $1 AND line_no = (SELECT min(line_no) FROM statement_lines WHERE account_id = $1)`,
      [running.demo!.workspaceId],
    );
    const tampered = await runTollgate(['verify'], env);
    expect(tampered.code).not.toBe(0);
    expect(tampered.stdout + tampered.stderr).toContain(running.demo!.workspaceId);
  });

  it('given an unknown projection, when rebuild is asked for it, then it exits non-zero naming the known ones', async () => {
    const r = await runTollgate(['projections', 'rebuild', 'no_such_projection'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('balances');
  });
});
