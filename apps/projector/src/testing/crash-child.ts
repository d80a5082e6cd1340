import { Pool } from 'pg';
import { LEDGER_PROJECTIONS, type AnyProjection } from '@tollgate/projections';
import { startProjector } from '../projector';

/**
 * A real projector process for the crash test. Each batch announces itself on stdout and then holds
 * its transaction open a little (pg_sleep after the projection's statements, before the checkpoint),
 * so the parent's SIGKILL lands inside a batch.
 */
const holdMs = Number(process.env.CRASH_HOLD_MS ?? '20');

function slow(p: AnyProjection): AnyProjection {
  return {
    ...p,
    async projectBatch(events, ctx) {
      const statements = await p.projectBatch(events, ctx);
      process.stdout.write(`batch ${p.name} ${events.length}\n`);
      return [...statements, { sql: 'SELECT pg_sleep($1)', params: [holdMs / 1000] }];
    },
  };
}

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  pool.on('error', () => undefined);
  const projector = await startProjector({
    pool,
    projections: LEDGER_PROJECTIONS.map(slow),
    batchSize: Number(process.env.PROJECTOR_BATCH_SIZE ?? '50'),
    lockRetryMs: 100,
    log: (level, message) => process.stdout.write(`${level} ${message}\n`),
  });
  process.stdout.write('started\n');
  process.once('SIGTERM', () => {
    void projector
      .stop()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  process.stderr.write(`crash child failed: ${String(err)}\n`);
  process.exit(1);
});
