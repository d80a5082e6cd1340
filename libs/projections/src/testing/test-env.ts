import { Pool } from 'pg';
import { migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';

export interface ProjectionTestEnv {
  db: TestDatabase;
  pool: Pool;
  store: PostgresEventStore;
  close(): Promise<void>;
}

/** A fresh database with the event store migrated: one per test file. */
export async function projectionTestEnv(): Promise<ProjectionTestEnv> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 12 });
  await migrateEventStore(pool);
  const store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
  return {
    db,
    pool,
    store,
    close: async () => {
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}
