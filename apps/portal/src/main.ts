#!/usr/bin/env node
import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '@tollgate/event-store';
import { EVENT_STORE, LedgerModule } from '@tollgate/ledger-nest';
import { paymentsConfigFromEnv, type PaymentsConfig } from '@tollgate/payments';
import { loadConfig, openRuntimeDatabase, type TollgateConfig } from '@tollgate/platform';
import { migrateAll } from '../../cli/src/commands/migrate';
import { PaymentsModule } from './payments/payments.module';
import { PortalModule } from './portal.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { acceptRawWebhookBodies } from './webhooks/raw-body';
import { LoggerModule, Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import {
  closeListener,
  quietFrameworkChatter,
  httpLogOptions,
  Readiness,
  registerOpsRoutes,
  requestDrainMs,
  startProcessTelemetry,
  withTimeout,
} from '@tollgate/observability';

const POOL = Symbol('PORTAL_STANDALONE_POOL');
const BODY_LIMIT_BYTES = 1024 * 1024;

/** The portal alone: workspaces, their JSON API, payments and webhooks (no gateway, no projector). */
@Module({})
class PortalAppModule {
  static forRoot(o: {
    config: TollgateConfig;
    pool: Pool;
    store: EventStore;
    payments: PaymentsConfig;
    logger: Logger;
  }): DynamicModule {
    return {
      module: PortalAppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({ pinoHttp: httpLogOptions(o.logger) }),
        LedgerModule.forRoot({ useValue: o.store }),
        PortalModule.forRoot({
          poolToken: POOL,
          adminToken: o.config.adminToken,
          cookieSecure: o.config.cookieSecure,
        }),
        PaymentsModule.forRoot({ poolToken: POOL, eventStoreToken: EVENT_STORE, config: o.payments }),
        WebhooksModule,
      ],
      // Global here: payments resolves the store by token from outside the ledger module.
      providers: [
        { provide: POOL, useValue: o.pool },
        { provide: EVENT_STORE, useValue: o.store },
      ],
      exports: [POOL, EVENT_STORE],
    };
  }
}

/** `node dist/apps/portal/src/main.js`; `tollgate start` serves the same modules with everything else. */
async function main(): Promise<void> {
  const config = loadConfig();
  const telemetry = startProcessTelemetry(config, 'portal');
  const log = telemetry.logger;
  const say = (line: string): void => log.info(line);
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 10 });
  const store: EventStore = config.eventStoreUrl
    ? new EventStoreDbEventStore({ connectionString: config.eventStoreUrl })
    : new PostgresEventStore({ pool });
  await migrateAll(pool, say);
  const payments = paymentsConfigFromEnv({ ...process.env, PORT: String(config.port) });
  const app = await NestFactory.create<NestFastifyApplication>(
    PortalAppModule.forRoot({ config, pool, store, payments, logger: telemetry.logger }),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    { logger: ['error', 'warn'], rawBody: true },
  );
  app.useLogger(quietFrameworkChatter(app.get(NestPinoLogger), config.logLevel === 'debug'));
  acceptRawWebhookBodies(app.getHttpAdapter().getInstance());
  const readiness = new Readiness([
    withTimeout('database', () => pool.query('SELECT 1')),
    withTimeout('event store', () => store.headPosition()),
  ]);
  registerOpsRoutes(app.getHttpAdapter().getInstance(), { metrics: telemetry.metrics, readiness });
  await app.listen(config.port, config.host);
  say(`Tollgate portal on http://${config.host}:${config.port}`);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
    force.unref();
    readiness.markShuttingDown();
    if (config.shutdownDelayMs > 0) await new Promise((ok) => setTimeout(ok, config.shutdownDelayMs));
    await closeListener(app.getHttpServer(), () => app.getHttpAdapter().close(), {
      drainMs: requestDrainMs(config.shutdownTimeoutMs),
      log,
    });
    await app.close();
    await telemetry.shutdown();
    await store.close();
    await pool.end();
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`portal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
