import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';

export interface AllInOne {
  running: RunningTollgate;
  db: TestDatabase;
  /** A small pool on the same database, for reading read models in assertions. */
  pool: Pool;
  dataDir: string;
  close(): Promise<void>;
}

/** The whole product as `npm start` runs it (seeded demo), on its own database and data dir. */
export async function startAllInOne(env: Record<string, string> = {}): Promise<AllInOne> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
  const running = await bootstrap(
    loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_SEED_DEMO: 'true',
      ...env,
    }),
    () => undefined,
  );
  const pool = new Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    running,
    db,
    pool,
    dataDir,
    close: async () => {
      await pool.end();
      await running.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `read` gives a value (projections and reactors are asynchronous). */
export async function eventually<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
