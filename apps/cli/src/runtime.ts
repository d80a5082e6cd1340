import { Pool } from 'pg';
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '@tollgate/event-store';
import { loadConfig, openRuntimeDatabase, type TollgateConfig } from '@tollgate/platform';
import { migrateAll } from './commands/migrate';

/** EventStoreDB when EVENTSTORE_URL is set, else the Postgres event store on the same database. */
export function openEventStore(config: TollgateConfig, pool: Pool): EventStore {
  if (config.eventStoreUrl) return new EventStoreDbEventStore({ connectionString: config.eventStoreUrl });
  return new PostgresEventStore({ pool });
}

export interface CliRuntime {
  config: TollgateConfig;
  pool: Pool;
  store: EventStore;
}

/** Opens database, migrates and opens the event store for one CLI command, and closes all after it. */
export async function withRuntime<T>(
  fn: (rt: CliRuntime) => Promise<T>,
  say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<T> {
  const config = loadConfig();
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 4 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) => say(`database connection lost: ${err.message}`));
  const store = openEventStore(config, pool);
  try {
    await migrateAll(pool, () => undefined);
    return await fn({ config, pool, store });
  } finally {
    await store.close();
    await pool.end();
    await db.close();
  }
}
