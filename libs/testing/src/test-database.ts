import { randomBytes } from 'node:crypto';
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
  return { name, url, drop: () => dropDatabase(adminUrl, name) };
}
