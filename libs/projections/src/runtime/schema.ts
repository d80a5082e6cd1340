import type { Pool, PoolClient } from 'pg';
import { START, formatPosition, runMigrations, type Migration } from '@tollgate/event-store';
import { tableNamer, type AnyProjection, type TableNamer } from './projection';

/** Bookkeeping tables of the runtime; the read models' own tables are created per version. */
export const RUNTIME_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS projection_registry (
     name text PRIMARY KEY,
     live_version integer NOT NULL,
     live_schema integer NOT NULL,
     building_version integer,
     building_schema integer,
     status text NOT NULL DEFAULT 'idle',
     error text,
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS projection_checkpoints (
     name text NOT NULL,
     version integer NOT NULL,
     position text NOT NULL,
     events_applied bigint NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (name, version)
   )`,
];

/** Same key space for every process: one lock per projection name and purpose. */
export function lockKeySql(param: string): string {
  return `hashtextextended('tollgate.projection:' || ${param}, 0)`;
}

/** The runtime's schema as migrations of the shared runner (component `projections`). */
export const PROJECTION_RUNTIME_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'projection registry and checkpoints', sql: RUNTIME_DDL.join(';\n') },
];

export async function migrateProjectionRuntime(pool: Pool): Promise<void> {
  await runMigrations(pool, PROJECTION_RUNTIME_MIGRATIONS, { component: 'projections' });
}

export interface RegistryRow {
  name: string;
  live_version: number;
  live_schema: number;
  building_version: number | null;
  building_schema: number | null;
  status: 'idle' | 'running' | 'failed' | 'rebuilding';
  error: string | null;
  updated_at: Date;
}

export async function readRegistry(db: Pool | PoolClient, name: string): Promise<RegistryRow | undefined> {
  const { rows } = await db.query<RegistryRow>('SELECT * FROM projection_registry WHERE name = $1', [name]);
  return rows[0];
}

export async function createTables(
  client: PoolClient,
  projection: AnyProjection,
  t: TableNamer,
  options: { indexes: boolean } = { indexes: true },
): Promise<void> {
  for (const table of projection.tables) for (const ddl of table.ddl(t)) await client.query(ddl);
  if (options.indexes) await createIndexes(client, projection, t);
}

export async function createIndexes(
  client: PoolClient,
  projection: AnyProjection,
  t: TableNamer,
): Promise<void> {
  for (const table of projection.tables) for (const ddl of table.indexes?.(t) ?? []) await client.query(ddl);
}

export async function dropTables(
  client: PoolClient,
  projection: AnyProjection,
  t: TableNamer,
): Promise<void> {
  for (const table of projection.tables) await client.query(`DROP TABLE IF EXISTS ${t(table.base)}`);
}

/** Points the stable reader names at one version; DROP + CREATE so a new version may change columns. */
export async function pointViews(
  client: PoolClient,
  projection: AnyProjection,
  t: TableNamer,
): Promise<void> {
  for (const table of projection.tables) {
    if (table.internal) continue;
    await client.query(`DROP VIEW IF EXISTS ${table.base}`);
    await client.query(`CREATE VIEW ${table.base} AS SELECT * FROM ${t(table.base)}`);
  }
}

/** First start of a projection: version 1 tables, views and a checkpoint at the start of `$all`. */
export async function ensureProjection(pool: Pool, projection: AnyProjection): Promise<RegistryRow> {
  const existing = await readRegistry(pool, projection.name);
  if (existing) return existing;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${lockKeySql('$1')})`, [`$ensure:${projection.name}`]);
    const again = await readRegistry(client, projection.name);
    if (!again) {
      const t = tableNamer(1);
      await createTables(client, projection, t);
      await pointViews(client, projection, t);
      await client.query(
        `INSERT INTO projection_registry (name, live_version, live_schema, status) VALUES ($1, 1, $2, 'idle')`,
        [projection.name, projection.version],
      );
      await client.query(`INSERT INTO projection_checkpoints (name, version, position) VALUES ($1, 1, $2)`, [
        projection.name,
        formatPosition(START),
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const row = await readRegistry(pool, projection.name);
  if (!row) throw new Error(`projection ${projection.name} missing from the registry after creation`);
  return row;
}

export async function setStatus(
  pool: Pool,
  name: string,
  status: RegistryRow['status'],
  error: string | null = null,
): Promise<void> {
  await pool.query(
    `UPDATE projection_registry SET status = $2, error = $3, updated_at = now() WHERE name = $1`,
    [name, status, error],
  );
}
