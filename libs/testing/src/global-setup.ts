import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../platform/src';

declare global {
  var __tollgateEmbeddedPg: EmbeddedPostgresHandle | undefined;
}

/**
 * Gives every test file a PostgreSQL server: TEST_DATABASE_URL when set, else an embedded server in a
 * temp dir. Test files create and drop their own databases on it (see `createTestDatabase`).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TOLLGATE_TEST_RUN = `r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (process.env.TEST_DATABASE_URL) {
    process.env.TOLLGATE_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data') });
  globalThis.__tollgateEmbeddedPg = pg;
  process.env.TOLLGATE_TEST_ADMIN_URL = pg.url;
}
