import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { withClient, withTransaction } from './pg-client';

jest.setTimeout(30_000);

/** Postgres drops a checked-out client's connection (restart, failover, pg_terminate_backend). */
describe('withClient / withTransaction: a connection dropped while the client is held', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Pool;

  const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const pidOf = async (client: { query: Pool['query'] }) =>
    (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const tick = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 2 });
    admin = new Pool({ connectionString: db.url, max: 1 });
    await pool.query('CREATE TABLE t (n int PRIMARY KEY)');
  });
  afterAll(async () => {
    await pool.end();
    await admin.end();
    await db.drop();
  });

  it('given a held client between two queries, when its backend is terminated, then the process survives, the work fails with the connection error, the broken client is discarded and the pool serves the next query', async () => {
    let heldPid = 0;
    const work = withTransaction(pool, async (client) => {
      await client.query('INSERT INTO t VALUES (1)');
      heldPid = await pidOf(client);
      await terminate(heldPid);
      await tick(200); // the 'error' event arrives while the client is checked out and idle
      await client.query('INSERT INTO t VALUES (2)');
    });
    await expect(work).rejects.toThrow(/terminat|not queryable|Connection/i);

    // Nothing of the transaction is kept, and a fresh connection (not the dead one) serves the pool.
    expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
    const pid = await withClient(pool, pidOf);
    expect(pid).not.toBe(heldPid);
  });

  it('given a held client in a long query, when its backend is terminated, then the query rejects promptly and a retry succeeds', async () => {
    const started = Date.now();
    const work = withClient(pool, async (client) => {
      const pid = await pidOf(client);
      setTimeout(() => void terminate(pid), 100);
      await client.query('SELECT pg_sleep(10)');
    });
    await expect(work).rejects.toThrow(/terminat|Connection/i);
    expect(Date.now() - started).toBeLessThan(5_000);

    await withTransaction(pool, (client) => client.query('INSERT INTO t VALUES (3)'));
    expect((await pool.query('SELECT n FROM t')).rows).toEqual([{ n: 3 }]);
  });

  it('given a failing statement (the connection is fine), then the error propagates and the client goes back to the pool', async () => {
    const before = await withClient(pool, pidOf);
    await expect(withClient(pool, (client) => client.query('SELECT * FROM missing_table'))).rejects.toThrow(
      /missing_table/,
    );
    expect(pool.idleCount).toBeGreaterThan(0);
    const pids = await Promise.all([withClient(pool, pidOf)]);
    expect(pids).toContain(before);
  });
});
