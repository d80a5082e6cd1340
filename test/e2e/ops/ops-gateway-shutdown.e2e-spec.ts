import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@tollgate/event-store';
import { waitForProjections } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { ALL_PROJECTIONS } from '../../../apps/cli/src/projections';
import {
  firstNotReady,
  expectServedChargedOnceAndLeasesClosed,
  loadClient,
  runTollgate,
  type Outcome,
} from './support/load';
import {
  spawnApp,
  spawnTollgateStart,
  type SpawnedApp,
  type SpawnedTollgate,
} from './support/spawn-tollgate';

jest.setTimeout(150_000);

const WORKERS = 8;
const LOAD_BEFORE_SIGTERM_MS = 1_500;

// The production shape in miniature: the portal side (all-in-one: catalog, demo upstream, projector)
// and a gateway replica in its own process. The replica is stopped under load like a rolling deploy.
describe('operations: SIGTERM to a standalone gateway replica under load', () => {
  let db: TestDatabase;
  let dataDir: string;
  let portal: SpawnedTollgate;
  let gateway: SpawnedApp;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-replica-'));
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    for (const p of [gateway, portal]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a replica serving traffic, when it gets SIGTERM, then it drains, charges each admitted request once, settles its leases, exits 0, and verify passes', async () => {
    const env = { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    portal = await spawnTollgateStart(env);
    // Same data dir: the same master key opens the provider credentials the portal sealed.
    gateway = await spawnApp('gateway', { ...env, TOLLGATE_SHUTDOWN_DELAY_MS: '300', LOG_LEVEL: 'info' });

    const outcomes: Outcome[] = [];
    const stop = { now: false };
    const clients = Array.from({ length: WORKERS }, () =>
      loadClient(gateway.url, portal.apiKey, outcomes, stop),
    );
    await new Promise((ok) => setTimeout(ok, LOAD_BEFORE_SIGTERM_MS));
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0);

    const signalledAt = performance.now();
    gateway.child.kill('SIGTERM');
    const notReady = await firstNotReady(gateway.url);
    const code = await gateway.exited;
    stop.now = true;
    await Promise.all(clients);

    expect(notReady).toContain('shutting down');
    expect({ code, output: gateway.output().slice(-2000) }).toMatchObject({ code: 0 });
    expect(gateway.output()).toContain('"msg":"stopped"');

    const served = outcomes.filter((o) => o.status === 200);
    expect(served.some((o) => o.sentAt < signalledAt && o.doneAt > signalledAt)).toBe(true);
    await expectServedChargedOnceAndLeasesClosed(pool, outcomes);

    // The portal's projector applies the replica's last events; then the auditor agrees.
    const store = new PostgresEventStore({ pool });
    try {
      await waitForProjections(
        pool,
        store,
        ALL_PROJECTIONS.map((p) => p.name),
        { timeoutMs: 30_000 },
      );
    } finally {
      await store.close();
    }
    const verify = await runTollgate(['verify'], { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir });
    expect({ code: verify.code, out: verify.out.slice(-2000) }).toMatchObject({ code: 0 });

    portal.child.kill('SIGTERM');
    expect(await portal.exited).toBe(0);
  });
});
