import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/** One schema change. `version`s are unique and increasing within a component; never edit an applied one. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run inside the migration's transaction (several statements allowed). */
  sql: string;
}

export interface MigrationProgress {
  component: string;
  version: number;
  name: string;
  status: 'applying' | 'applied';
}

export interface RunMigrationsOptions {
  /** Namespace inside `schema_migrations`, so every lib keeps its own version list. */
  component: string;
  onProgress?: (progress: MigrationProgress) => void;
}

export interface RunMigrationsResult {
  applied: number[];
  alreadyApplied: number[];
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    message: string,
    readonly component: string,
    readonly version: number,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** One lock for all components: migrations of different libs may touch each other's tables. */
const MIGRATION_LOCK_KEY = 7_422_180_911n;
const MAX_MIGRATIONS = 10_000;

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction, under a
 * session advisory lock so concurrent starters wait instead of racing. Running it again is a no-op.
 * An applied migration whose SQL changed is refused: applied history must not drift.
 */
export async function runMigrations(
  pool: Pool,
  migrations: readonly Migration[],
  options: RunMigrationsOptions,
): Promise<RunMigrationsResult> {
  const { component } = options;
  validate(migrations, component);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      return await applyPending(client, sorted, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } catch (err) {
    broken = !(err instanceof MigrationError);
    throw err;
  } finally {
    client.release(broken);
  }
}

function validate(migrations: readonly Migration[], component: string): void {
  if (migrations.length > MAX_MIGRATIONS) throw new Error(`too many migrations for ${component}`);
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= 0)
      throw new MigrationError(`invalid migration version ${m.version}`, component, m.version);
    if (seen.has(m.version))
      throw new MigrationError(`duplicate migration version ${m.version}`, component, m.version);
    seen.add(m.version);
  }
}

async function applyPending(
  client: PoolClient,
  migrations: readonly Migration[],
  { component, onProgress }: RunMigrationsOptions,
): Promise<RunMigrationsResult> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
  const { rows } = await client.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations WHERE component = $1',
    [component],
  );
  const done = new Map(rows.map((r) => [r.version, r.checksum]));
  const result: RunMigrationsResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    const sum = checksum(m.sql);
    const existing = done.get(m.version);
    if (existing !== undefined) {
      if (existing !== sum)
        throw new MigrationError(
          `${component} migration ${m.version} (${m.name}) changed after it was applied`,
          component,
          m.version,
        );
      result.alreadyApplied.push(m.version);
      continue;
    }
    onProgress?.({ component, version: m.version, name: m.name, status: 'applying' });
    await client.query('BEGIN');
    try {
      await client.query(m.sql);
      await client.query(
        'INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [component, m.version, m.name, sum],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new MigrationError(
        `${component} migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
        component,
        m.version,
      );
    }
    result.applied.push(m.version);
    onProgress?.({ component, version: m.version, name: m.name, status: 'applied' });
  }
  return result;
}
