import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { loadConfig, openRuntimeDatabase, type TollgateConfig } from '@tollgate/platform';
import { paymentsConfigFromEnv } from '@tollgate/payments';
import { CommandBus } from '@nestjs/cqrs';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { CircuitBreakers, type LeaseAdmission } from '@tollgate/gateway-core';
import {
  closeListener,
  quietFrameworkChatter,
  Readiness,
  requestDrainMs,
  registerOpsRoutes,
  startProcessTelemetry,
  withTimeout,
  type ProcessTelemetry,
} from '@tollgate/observability';
import { CREDIT_ADMISSION } from '../../../gateway/src/gateway.module';
import { waitForProjections } from '@tollgate/projections';
import { projectionLagSource } from '../../../projector/src/projector-metrics';
import { ProjectorService } from '../../../projector/src/projector.module';
import { ALL_PROJECTIONS } from '../projections';
import { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { acceptRawWebhookBodies } from '../../../portal/src/webhooks/raw-body';
import { AppModule } from '../app.module';
import { seedDemo, type DemoLogins } from '../demo/demo-seed';
import { openEventStore } from '../runtime';
import { migrateAll } from './migrate';

/** How long a stop waits for projections to apply the last usage and settlements before stopping them. */
const PROJECTION_DRAIN_MS = 3_000;
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface RunningTollgate {
  app: NestFastifyApplication;
  url: string;
  config: TollgateConfig;
  demo?: DemoLogins;
  telemetry: ProcessTelemetry;
  /** What /readyz reports; `markShuttingDown` turns it to 503 before the listener closes. */
  readiness: Readiness;
  /**
   * Graceful stop: stop accepting, finish in-flight requests, stop projectors at a checkpoint, flush
   * usage and settle every lease, then close the stores. Bounded by the callers' timer.
   */
  close(): Promise<void>;
}

export interface BootstrapOptions {
  /** Where JSON logs go (default stdout); tests capture them here. */
  logDestination?: DestinationStream;
}

/** Opens the database (embedded unless DATABASE_URL), migrates, and serves every app on one port. */
export async function bootstrap(
  config: TollgateConfig,
  say: (line: string) => void,
  options: BootstrapOptions = {},
): Promise<RunningTollgate> {
  const telemetry = startProcessTelemetry(config, 'all-in-one', { logDestination: options.logDestination });
  const unregister: (() => void)[] = [];
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 20 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) => say(`database connection lost: ${err.message}`));
  const store = openEventStore(config, pool);
  try {
    await migrateAll(pool, say);
    const payments = paymentsConfigFromEnv({ ...process.env, PORT: String(config.port) });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({
        config,
        pool,
        store,
        payments,
        logger: telemetry.logger,
        gatewayTelemetry: telemetry.gateway(),
      }),
      new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
      { logger: ['error', 'warn'], rawBody: true },
    );
    // Nest's own messages as JSON lines too; its start-up chatter (routes mapped) stays below the bar.
    app.useLogger(quietFrameworkChatter(app.get(NestPinoLogger), config.logLevel === 'debug'));
    acceptRawWebhookBodies(app.getHttpAdapter().getInstance());
    const admission = app.get<LeaseAdmission>(CREDIT_ADMISSION);
    const breakers = app.get(CircuitBreakers);
    const { metrics } = telemetry;
    unregister.push(
      metrics.addLeaseSource(() => admission.stats()),
      metrics.addCircuitSource(() => breakers.states()),
      metrics.addProjectionSource(projectionLagSource(pool, store, ALL_PROJECTIONS)),
    );
    const readiness = new Readiness([
      withTimeout('database', () => pool.query('SELECT 1')),
      withTimeout('event store', () => store.headPosition()),
      {
        name: 'lease admission',
        check: async () => {
          if (!admission.stats().accepting) throw new Error('lease admission is closed');
        },
      },
    ]);
    registerOpsRoutes(app.getHttpAdapter().getInstance(), { metrics, readiness });
    // Signals are handled by `startCommand` (readiness first, then this close), not by Nest.
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://127.0.0.1:${port}`;
    const demo = config.seedDemo
      ? await seedDemo({
          pool,
          commandBus: app.get(CommandBus),
          admin: app.get(GatewayAdmin),
          dataDir: config.dataDir,
          baseUrl: url,
        })
      : undefined;
    return {
      app,
      url,
      demo,
      config,
      telemetry,
      readiness,
      close: async () => {
        readiness.markShuttingDown();
        // 1. Stop accepting and let in-flight requests finish (a request arriving on a kept-alive
        //    connection meanwhile is answered 503, never admitted).
        const log = telemetry.logger;
        await closeListener(app.getHttpServer(), () => app.getHttpAdapter().close(), {
          drainMs: requestDrainMs(config.shutdownTimeoutMs),
          log,
        });
        log.info({ step: 'listener closed' }, 'shutdown');
        // 2. Append the buffered usage and settle every lease this process holds.
        await admission.close();
        log.info({ step: 'leases settled', ...leaseCounts(admission) }, 'shutdown');
        // 3. Let the projector apply those last events (bounded), then Nest stops it at a checkpoint.
        //    Only the read models this process leads: another projector applies the rest.
        const leading = app.get(ProjectorService).leading();
        if (leading.length > 0)
          await waitForProjections(pool, store, leading, { timeoutMs: PROJECTION_DRAIN_MS }).catch(
            () => undefined,
          );
        log.info({ step: 'projections drained' }, 'shutdown');
        await app.close();
        for (const off of unregister) off();
        await telemetry.shutdown();
        await store.close();
        await pool.end();
        await db.close();
      },
    };
  } catch (err) {
    for (const off of unregister) off();
    await telemetry.shutdown();
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}

function leaseCounts(admission: LeaseAdmission): { openLeases: number; pendingUsage: number } {
  const { openLeases, pendingUsage } = admission.stats();
  return { openLeases, pendingUsage };
}

/** `tollgate start`: everything in one process on embedded defaults. */
export async function startCommand(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const say = (line: string): void => void out.write(`${line}\n`);
  const config = loadConfig();
  const running = await bootstrap(config, say);
  const { url } = running;
  say('');
  say(`Tollgate is running at ${url}`);
  say(
    `  database:     ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL (${config.dataDir}/postgres)`}`,
  );
  say(`  event store:  ${config.eventStoreUrl ? 'EventStoreDB (EVENTSTORE_URL)' : 'PostgreSQL'}`);
  say(
    `  admin token:  ${config.adminToken}${config.adminTokenGenerated ? '  (generated, kept in the data dir)' : ''}`,
  );
  say(`  health:       ${url}/healthz  ${url}/readyz`);
  const demo = running.demo;
  if (demo) {
    say('');
    say('Demo (seeded):');
    say(`  portal:       ${url}/login`);
    say(`  customer:     ${demo.customerEmail} / ${demo.customerPassword}`);
    say(`  admin:        ${demo.adminEmail} / ${demo.adminPassword}`);
    say(`  API key:      ${demo.apiKey}`);
    say(`  try it:       curl ${url}/v1/chat/completions -H "Authorization: Bearer ${demo.apiKey}" \\`);
    say(
      `                  -H 'content-type: application/json' -d '{"model":"${demo.alias}","messages":[{"role":"user","content":"hi"}]}'`,
    );
  }

  say(`  metrics:      ${url}/metrics`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const log = running.telemetry.logger;
    log.info({ signal }, 'shutting down');
    say(`${signal}: shutting down (not ready; finishing requests, settling leases)`);
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    running.readiness.markShuttingDown();
    if (config.shutdownDelayMs > 0) await new Promise((ok) => setTimeout(ok, config.shutdownDelayMs));
    try {
      await running.close();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    say('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
