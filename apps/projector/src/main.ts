#!/usr/bin/env node
import { Pool } from 'pg';
import { migrateEventStore } from '@tollgate/event-store';
import { loadConfig, openRuntimeDatabase } from '@tollgate/platform';
import { startProjector } from './projector';

const SHUTDOWN_GRACE_MS = 15_000;

/**
 * The projector alone: `node dist/apps/projector/src/main.js`. Reads DATABASE_URL (embedded Postgres
 * when unset), projects every read model, and on SIGTERM/SIGINT stops at a checkpoint.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 10 });
  pool.on('error', (err) => say(`[projector] idle client error: ${err.message}`));
  await migrateEventStore(pool);
  const batchSize = process.env.PROJECTOR_BATCH_SIZE ? Number(process.env.PROJECTOR_BATCH_SIZE) : undefined;
  const projector = await startProjector({ pool, batchSize });
  say(`[projector] running; leading: ${projector.runner.leading().join(', ') || '(none yet)'}`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`[projector] ${signal}: stopping at a checkpoint`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    await projector.stop();
    await pool.end();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`[projector] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
