import { join } from 'node:path';
import { ensureDatabase } from './database';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import type { TollgateConfig } from './config';

export interface RuntimeDatabase {
  url: string;
  /** Set when this process started an embedded server it must stop. */
  embedded?: EmbeddedPostgresHandle;
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = 'tollgate';

/** DATABASE_URL when set; else the embedded server in `<dataDir>/postgres` with a `tollgate` database. */
export async function openRuntimeDatabase(
  config: TollgateConfig,
  log: (line: string) => void = () => undefined,
): Promise<RuntimeDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, close: async () => undefined };
  log(`starting embedded PostgreSQL in ${join(config.dataDir, 'postgres')}`);
  const embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres') });
  const url = await ensureDatabase(embedded.url, EMBEDDED_DATABASE);
  return { url, embedded, close: () => embedded.stop() };
}
