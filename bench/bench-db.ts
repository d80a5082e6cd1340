import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, dropDatabase, startEmbeddedPostgres } from '@tollgate/platform';

export interface BenchDatabase {
  url: string;
  /** Where the server came from, for the report. */
  source: string;
  dispose(): Promise<void>;
}

/**
 * A fresh database for one bench run: on BENCH_DATABASE_URL, DATABASE_URL or TEST_DATABASE_URL (an admin
 * URL) when set, else on an embedded PostgreSQL in a temp dir. Dropped (and the server stopped) by dispose.
 */
export async function openBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const name = `tg_bench_${randomBytes(4).toString('hex')}`;
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) {
    const url = await createDatabase(given, name);
    return {
      url,
      source: `server of ${redact(given)}`,
      dispose: () => dropDatabase(given, name),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-pg-'));
  log(`starting embedded PostgreSQL in ${dir}`);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data') });
  const url = await createDatabase(pg.url, name);
  return {
    url,
    source: 'embedded PostgreSQL',
    dispose: async () => {
      await dropDatabase(pg.url, name);
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
