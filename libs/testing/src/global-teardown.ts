import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';

/** Drops every database this run created (also those a crashed test left behind), then the server. */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.TOLLGATE_TEST_ADMIN_URL;
  const run = process.env.TOLLGATE_TEST_RUN;
  if (adminUrl && run) {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1`,
        [`tg_${run}_%`],
      );
      for (const row of rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const pg = globalThis.__tollgateEmbeddedPg;
  if (pg) {
    await pg.stop();
    rmSync(dirname(pg.dataDir), { recursive: true, force: true });
  }
}
