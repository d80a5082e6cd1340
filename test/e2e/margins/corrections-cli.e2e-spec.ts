import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { waitForProjections } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';
import { ALL_PROJECTIONS } from '../../../apps/cli/src/projections';
import { eventually } from '../support/all-in-one';
import { runTollgate } from '../support/tollgate-cli';

jest.setTimeout(180_000);

/** The real `tollgate` command (TypeScript via swc) against the test database. */
const tollgate = (args: string[], env: Record<string, string>) => runTollgate(args, env, 90_000);

describe('tollgate corrections preview / apply, then replay and verify (real command)', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;
  let env: Record<string, string>;
  let target: { provider: string; model: string; alias: string };
  let workspaceId: string;
  // One window start for every run: the same correction id with another window would be a conflict.
  const from = new Date(Date.now() - 3_600_000).toISOString();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-corr-'));
    env = { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir };
    running = await bootstrap(
      loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', TOLLGATE_SEED_DEMO: 'true' }),
      () => undefined,
    );
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
    workspaceId = running.demo!.workspaceId;
    // Two requests; right after start the catalog may still be loading, so a refusal is retried.
    for (let i = 0; i < 2; i++)
      await eventually(async () => {
        const res = await fetch(`${running.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${running.demo!.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: running.demo!.alias,
            messages: [{ role: 'user', content: `margin ${i}` }],
          }),
        });
        return res.status === 200 ? true : undefined;
      }, `request ${i}`);
    // Usage is flushed in small batches while running: wait for both margin rows, then stop.
    await eventually(
      async () => {
        const { rows } = await pool
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM margin_requests`)
          .catch(() => ({ rows: [{ n: 0 }] }));
        return rows[0].n >= 2 ? true : undefined;
      },
      'margin rows',
      60_000,
    );
    await running.close();
    const store = new (await import('@tollgate/event-store')).PostgresEventStore({ pool });
    try {
      await waitForProjections(
        pool,
        store,
        ALL_PROJECTIONS.map((p) => p.name),
        { until: await store.headPosition(), timeoutMs: 30_000 },
      ).catch(() => undefined);
    } finally {
      await store.close();
    }
    const { rows } = await pool.query<{ provider: string; model: string; alias: string }>(
      `SELECT provider, upstream_model AS model, alias FROM margin_requests LIMIT 1`,
    );
    target = rows[0];
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const flags = (id: string, extra: string[] = []) => [
    '--id',
    id,
    '--provider',
    target.provider,
    '--model',
    target.model,
    '--from',
    from,
    '--input-per-million',
    '3',
    '--output-per-million',
    '9',
    '--reason',
    'provider raised its price retroactively',
    ...extra,
  ];

  it('given two requests, when previewing a re-rating cost correction, then both are affected and the demo workspace owes more; nothing is written', async () => {
    const r = await tollgate(['corrections', 'preview', ...flags('cli-corr-1', ['--rerate', '--json'])], env);
    expect(r.code).toBe(0);
    const preview = JSON.parse(r.stdout) as {
      requests: number;
      costBeforeNanocredits: string;
      costAfterNanocredits: string;
      workspaces: { workspaceId: string; chargeDeltaNanocredits: string }[];
    };
    expect(preview.requests).toBe(2);
    expect(BigInt(preview.costAfterNanocredits)).toBeGreaterThan(BigInt(preview.costBeforeNanocredits));
    expect(preview.workspaces.map((w) => w.workspaceId)).toEqual([workspaceId]);
    const { rows } = await pool.query(`SELECT 1 FROM events WHERE stream_id = 'correction-cli-corr-1'`);
    expect(rows).toHaveLength(0);
  });

  it('given bad flags, then a usage message and a non-zero exit', async () => {
    const r = await tollgate(['corrections', 'preview', ...flags('cli-corr-1', ['--alias', 'x'])], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('not both');
  });

  it('when applied with re-rating, then the rebuild shows progress, replay lists the correction and its adjustment, and verify passes; a second apply books nothing', async () => {
    const r = await tollgate(['corrections', 'apply', ...flags('cli-corr-1', ['--rerate'])], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('applied correction cli-corr-1');
    expect(r.stdout).toMatch(/adjustment .*: adjusted, booked -\d+\.\d{9}/);
    expect(r.stdout).toMatch(/margins: v\d+ → v\d+, live/);
    expect(r.stderr).toMatch(/rebuild margins: 100% \d+ events in/);

    const replay = await tollgate(['replay', '--account', workspaceId], env);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('Adjustment COST_CORRECTION: cli-corr-1');
    expect(replay.stdout).toMatch(
      /cli-corr-1: cost .* 2 requests, re-rating; adjustment correction-cli-corr-1 -/,
    );

    const verify = await tollgate(['verify'], env);
    expect(verify.stdout).toContain('read models match the event store');
    expect(verify.code).toBe(0);

    const again = await tollgate(
      ['corrections', 'apply', ...flags('cli-corr-1', ['--rerate', '--no-rebuild'])],
      env,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already applied: nothing appended');
    expect(again.stdout).toContain('already_adjusted');
    const { rows } = await pool.query(
      `SELECT 1 FROM events WHERE stream_id = $1 AND type = 'CreditsAdjusted'`,
      [`account-${workspaceId}`],
    );
    expect(rows).toHaveLength(1);
  });

  it('when a correction without re-rating is applied, then verify still passes', async () => {
    const r = await tollgate(
      ['corrections', 'apply', ...flags('cli-corr-2', ['--input-per-million', '1'])],
      env,
    );
    expect(r.code).toBe(0);
    const verify = await tollgate(['verify'], env);
    expect(verify.code).toBe(0);
  });
});
