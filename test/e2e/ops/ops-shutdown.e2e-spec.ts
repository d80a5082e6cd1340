import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import {
  firstNotReady,
  expectServedChargedOnceAndLeasesClosed,
  loadClient,
  runTollgate,
  type Outcome,
} from './support/load';
import { spawnTollgateStart, type SpawnedTollgate } from './support/spawn-tollgate';

jest.setTimeout(120_000);

/** Concurrent clients keeping the gateway busy. */
const WORKERS = 8;
/** Load before the signal, so requests are in flight when it lands. */
const LOAD_BEFORE_SIGTERM_MS = 1_500;

describe('operations: graceful shutdown of the real process under load', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: SpawnedTollgate;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-sigterm-'));
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given requests in flight, when SIGTERM arrives, then it turns not ready, finishes, charges every admitted request once, settles every lease and exits 0; verify passes', async () => {
    const env = { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir };
    running = await spawnTollgateStart({ ...env, TOLLGATE_SHUTDOWN_DELAY_MS: '400', LOG_LEVEL: 'warn' });
    const { url, apiKey } = running;

    // Given: clients hammering the gateway.
    const outcomes: Outcome[] = [];
    const stop = { now: false };
    const clients = Array.from({ length: WORKERS }, () => loadClient(url, apiKey, outcomes, stop));
    await new Promise((ok) => setTimeout(ok, LOAD_BEFORE_SIGTERM_MS));
    const servedBeforeSignal = outcomes.filter((o) => o.status === 200).length;
    expect(servedBeforeSignal).toBeGreaterThan(0);

    // When: SIGTERM.
    const signalledAt = performance.now();
    running.child.kill('SIGTERM');
    const notReady = await firstNotReady(url);
    const code = await running.exited;
    stop.now = true;
    await Promise.all(clients);

    // Then: it said it was going (readiness) and stopped cleanly.
    expect(notReady).toContain('shutting down');
    expect({ code, output: running.output().slice(-2000) }).toMatchObject({ code: 0 });
    expect(running.output()).toContain('SIGTERM: shutting down');
    expect(running.output()).toContain('stopped');

    // Every request answered 200 is charged exactly once; no request is charged twice.
    const served = outcomes.filter((o) => o.status === 200);
    expect(served.length).toBeGreaterThan(servedBeforeSignal);
    // Requests in flight when the signal came were answered, and once it stopped accepting, clients
    // were turned away (refused or 503) rather than admitted.
    expect(served.some((o) => o.sentAt < signalledAt && o.doneAt > signalledAt)).toBe(true);
    expect(outcomes.some((o) => o.sentAt > signalledAt && o.status !== 200)).toBe(true);
    // Every 200 charged exactly once, none twice; every lease settled (or expired) before exit.
    await expectServedChargedOnceAndLeasesClosed(pool, outcomes);

    // And the auditor agrees with every read model.
    const verify = await runTollgate(['verify'], env);
    expect({ code: verify.code, out: verify.out.slice(-2000) }).toMatchObject({ code: 0 });
    expect(verify.out).toMatch(/verified \d+ accounts: read models match the event store/);
  });
});
