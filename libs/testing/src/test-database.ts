import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, dropDatabase } from '../../platform/src/database';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; `drop()` it in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TOLLGATE_TEST_ADMIN_URL;
  const run = process.env.TOLLGATE_TEST_RUN;
  if (!adminUrl || !run)
    throw new Error('test database server not set up: run tests through jest (globalSetup)');
  const name = `tg_${run}_${randomBytes(5).toString('hex')}`;
  const url = await createDatabase(adminUrl, name);
  return { name, url, drop: () => dropWhenIdle(adminUrl, name) };
}

const DROP_GRACE_MS = 2_000;

/**
 * Gives connections a test just closed a moment to go away before the forced drop: terminating a
 * client that is still winding down makes its pool emit an error nobody listens to any more.
 */
async function dropWhenIdle(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const deadline = Date.now() + DROP_GRACE_MS;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      if (rows[0].n === 0) break;
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await client.end();
  }
  await dropDatabase(adminUrl, name);
}
