import { Pool } from 'pg';
import {
  START,
  comparePositions,
  migrateEventStore,
  PostgresEventStore,
  type GlobalPosition,
} from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';

export interface ProjectionTestEnv {
  db: TestDatabase;
  pool: Pool;
  store: PostgresEventStore;
  /** Highest position any append through `store` returned (wait for projections up to it). */
  last(): GlobalPosition;
  close(): Promise<void>;
}

/** A fresh database with the event store migrated: one per test file. */
export async function projectionTestEnv(): Promise<ProjectionTestEnv> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 12 });
  // Dropping the database at the end terminates idle connections: expected, not a failure.
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  const store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
  let last: GlobalPosition = START;
  const append = store.append.bind(store);
  store.append = async (...args) => {
    const r = await append(...args);
    if (comparePositions(r.position, last) > 0) last = r.position;
    return r;
  };
  return {
    db,
    pool,
    store,
    last: () => last,
    close: async () => {
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}
