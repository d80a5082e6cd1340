import { randomBytes } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { migrateEventStore, PostgresEventStore, runMigrations } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { SecretBox } from '../../../gateway/src/secrets/secret-box';
import { ALERTS_MIGRATION_COMPONENT, ALERTS_MIGRATIONS } from './alerts-migrations';
import { AlertsReactor } from './alerts-reactor';
import { AlertsService } from './alerts.service';

const C = 1_000_000_000n;
const WS = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

jest.setTimeout(30_000);

/**
 * Postgres drops the connection of a client the reactor holds (restart, failover): the reactor's
 * batch fails and is retried on the next tick; the process does not crash on pg's 'error' event.
 */
describe('alerts reactor when Postgres drops a held connection', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Pool;
  let store: PostgresEventStore;
  let reactor: AlertsReactor;
  let dropNextClient = false;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined); // idle clients: pg-pool's own listener forwards here
    admin = new Pool({ connectionString: db.url, max: 1 });
    await migrateEventStore(pool);
    await runMigrations(pool, ALERTS_MIGRATIONS, { component: ALERTS_MIGRATION_COMPONENT });
    await pool.query(
      `CREATE TABLE balances (account_id text PRIMARY KEY, posted_nanocredits bigint NOT NULL, last_position text NOT NULL)`,
    );
    // The next client checked out has its backend terminated when it is first used (while held).
    // (pool.query checks out through connect(callback): left alone.)
    const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<PoolClient>;
    (pool as unknown as { connect: (cb?: unknown) => unknown }).connect = (cb?: unknown) =>
      cb ? connect(cb) : checkout();
    const checkout = async (): Promise<PoolClient> => {
      const client = await connect();
      if (!dropNextClient) return client;
      dropNextClient = false;
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      (client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
        (client as unknown as { query: unknown }).query = query;
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((ok) => setTimeout(ok, 300)); // pg emits 'error' on the held, idle client
        return query(...args);
      };
      return client;
    };
    store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
    reactor = new AlertsReactor({
      pool,
      store,
      secretBox: new SecretBox(randomBytes(32)),
      config: {
        pollMs: 50,
        backoff: { baseMs: 60_000, maxMs: 60_000 },
        maxAttempts: 3,
        attemptTimeoutMs: 300,
        deliveriesPerTick: 10,
        allowNonPublicTargets: true,
      },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await reactor.stop();
    await store.close();
    await pool.end();
    await admin.end();
    await db.drop();
  });

  it('given new alert settings to apply, when the connection of the client applying them is terminated, then that batch fails cleanly, nothing is half-applied, and the next run applies them', async () => {
    const service = new AlertsService(pool, store, new SecretBox(randomBytes(32)));
    await service.save(WS, { thresholdsNanocredits: [10n * C], webhookUrl: null }, 'user:owner');
    // `$all` shows the event once older transactions on the shared server have ended.
    for (let i = 0; i < 300 && (await store.readAll({ maxCount: 1 })).length === 0; i++)
      await new Promise((ok) => setTimeout(ok, 50));

    dropNextClient = true;
    await expect(reactor.followEvents()).rejects.toThrow(/terminat|not queryable|Connection/i);
    expect((await pool.query('SELECT 1 FROM alert_settings WHERE workspace_id = $1', [WS])).rowCount).toBe(0);
    expect((await pool.query('SELECT 1 FROM alert_reactor_checkpoints')).rowCount).toBe(0);

    await reactor.followEvents();
    const { rows } = await pool.query<{ t: string[] }>(
      'SELECT thresholds_nanocredits::text[] AS t FROM alert_settings WHERE workspace_id = $1',
      [WS],
    );
    expect(rows).toEqual([{ t: [(10n * C).toString()] }]);
  });
});
