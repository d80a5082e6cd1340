#!/usr/bin/env node
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { migrateEventStore } from '@tollgate/event-store';
import {
  closeListener,
  handleOpsRequest,
  Readiness,
  requestDrainMs,
  startProcessTelemetry,
  withTimeout,
} from '@tollgate/observability';
import { loadConfig, openRuntimeDatabase } from '@tollgate/platform';
import { ALL_PROJECTIONS } from '../../cli/src/projections';
import { openEventStore } from '../../cli/src/runtime';
import { startProjector } from './projector';
import { projectionLagSource } from './projector-metrics';

/**
 * The projector alone: `node dist/apps/projector/src/main.js`. Reads DATABASE_URL (embedded Postgres
 * when unset), projects every read model, serves /healthz, /readyz and /metrics on PORT, and on
 * SIGTERM/SIGINT stops at a checkpoint.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const telemetry = startProcessTelemetry(config, 'projector');
  const log = telemetry.logger;
  const db = await openRuntimeDatabase(config, (line) => log.info(line));
  const pool = new Pool({ connectionString: db.url, max: 10 });
  pool.on('error', (err) => log.warn({ err }, 'idle database client error'));
  await migrateEventStore(pool);
  const batchSize = process.env.PROJECTOR_BATCH_SIZE ? Number(process.env.PROJECTOR_BATCH_SIZE) : undefined;
  // Every read model the product serves, as the all-in-one runs them.
  const projector = await startProjector({
    pool,
    store: openEventStore(config, pool),
    projections: ALL_PROJECTIONS,
    batchSize,
    log: (level, message) => log[level]({ component: 'projections' }, message),
  });
  const unregister = telemetry.metrics.addProjectionSource(
    projectionLagSource(pool, projector.store, ALL_PROJECTIONS),
  );
  const readiness = new Readiness([
    withTimeout('database', () => pool.query('SELECT 1')),
    withTimeout('event store', () => projector.store.headPosition()),
    {
      name: 'projections',
      check: async () => {
        const failed = projector.runner.failedProjections();
        if (failed.length > 0) throw new Error(`failed projections: ${failed.join(', ')}`);
      },
    },
  ]);
  const server = createServer((req, res) => {
    if (!handleOpsRequest(req, res, { metrics: telemetry.metrics, readiness })) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        '{"error":{"code":"NOT_FOUND","message":"the projector serves /healthz, /readyz and /metrics"}}',
      );
    }
  });
  await new Promise<void>((ok) => server.listen(config.port, config.host, ok));
  log.info(
    { port: config.port, leading: projector.runner.leading() },
    'projector running (/healthz, /readyz, /metrics)',
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping at a checkpoint');
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    readiness.markShuttingDown();
    await projector.stop();
    await projector.store.close();
    await closeListener(server, () => new Promise((ok) => server.close(ok)), {
      drainMs: requestDrainMs(config.shutdownTimeoutMs),
      log,
    });
    unregister();
    await telemetry.shutdown();
    await pool.end();
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`[projector] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
