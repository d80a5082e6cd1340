import type { Pool } from 'pg';
import type { AnyProjection } from './projection';
import { tableNamer } from './projection';
import { readRegistry } from './schema';

/**
 * The live version's contents as text, table by table in a stable order: what a rebuild must
 * reproduce byte for byte (and what the crash test compares with a clean run).
 */
export async function dumpProjection(pool: Pool, projection: AnyProjection): Promise<string> {
  const reg = await readRegistry(pool, projection.name);
  if (!reg) throw new Error(`projection ${projection.name} is not registered`);
  const t = tableNamer(reg.live_version);
  const parts: string[] = [];
  for (const table of projection.tables) {
    const { rows } = await pool.query<{ line: string }>(
      `SELECT row_to_json(x)::text AS line FROM (SELECT * FROM ${t(table.base)} ORDER BY ${table.orderBy}) x`,
    );
    parts.push(`-- ${table.base}\n${rows.map((r) => r.line).join('\n')}`);
  }
  return parts.join('\n');
}
