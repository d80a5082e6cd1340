import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import {
  EventStoreDbEventStore,
  migrateEventStore,
  PostgresEventStore,
  type EventStore,
} from '@tollgate/event-store';
import { CircuitBreakers, DEFAULT_LEASE_ADMISSION, LeaseAdmission } from '@tollgate/gateway-core';
import {
  closeListener,
  createLogger,
  nestLogger,
  Readiness,
  registerOpsRoutes,
  withTimeout,
  type GatewayTelemetry,
  type ProcessTelemetry,
} from '@tollgate/observability';
import { EventStoreLeaseLedger } from './admission/ledger-lease-ledger';
import { GatewayModule } from './gateway.module';

const DEFAULT_DRAIN_MS = 5_000;

/** Request bodies above this are refused with 413 (chat requests with inline images need room). */
export const GATEWAY_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** A lease holder id unique to this process (leases are settled only by their holder). */
export function gatewayInstanceId(): string {
  return `gw-${hostname().slice(0, 40)}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** The lease-backed credit admission every gateway instance uses. */
export function createLeaseAdmission(
  store: EventStore,
  holder = gatewayInstanceId(),
  telemetry?: GatewayTelemetry,
): LeaseAdmission {
  const ledger = new EventStoreLeaseLedger(store, holder);
  return new LeaseAdmission(telemetry ? telemetry.observeLedger(ledger) : ledger, {
    ...DEFAULT_LEASE_ADMISSION,
    holder,
    now: () => Date.now(),
    onError: (message, err) => console.error(`[gateway] ${message}:`, err),
  });
}

export interface StandaloneGateway {
  app: NestFastifyApplication;
  url: string;
  admission: LeaseAdmission;
  /** Present when started with telemetry: what /readyz reports. */
  readiness?: Readiness;
  /** Graceful: stop accepting, finish in-flight requests, flush usage, settle leases, close. */
  close(): Promise<void>;
}

/** The gateway alone (scaled separately from the portal and projectors): Postgres catalog + event store. */
export async function startStandaloneGateway(options: {
  databaseUrl: string;
  masterKey: Buffer;
  port: number;
  host: string;
  /** EventStoreDB connection string; unset: the Postgres event store on `databaseUrl`. */
  eventStoreUrl?: string;
  /** Metrics, JSON logs, traces and /healthz, /readyz, /metrics; absent: none of them. */
  telemetry?: ProcessTelemetry;
  /** Bound on the in-flight drain of `close` (default 5 s). */
  drainMs?: number;
  /** Let Nest handle SIGTERM itself (default true); a main handling signals turns it off. */
  shutdownHooks?: boolean;
  /**
   * Keep the catalog and workspace-rules read models from this process (default true). Off when a
   * projector process does (they are leader-locked either way): each in-process runner reads all of
   * `$all`, usage included, and checkpoints after every page, on the request path's event loop.
   */
  runProjections?: boolean;
}): Promise<StandaloneGateway> {
  const telemetry = options.telemetry;
  const pool = new Pool({ connectionString: options.databaseUrl, max: 20 });
  await migrateEventStore(pool);
  const store: EventStore = options.eventStoreUrl
    ? new EventStoreDbEventStore({ connectionString: options.eventStoreUrl })
    : new PostgresEventStore({ pool });
  const gatewayTelemetry = telemetry?.gateway();
  const admission = createLeaseAdmission(store, gatewayInstanceId(), gatewayTelemetry);
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({
      pool,
      masterKey: options.masterKey,
      admission,
      observer: gatewayTelemetry,
      store,
      runCatalogProjection: options.runProjections !== false,
    }),
    new FastifyAdapter({ bodyLimit: GATEWAY_BODY_LIMIT_BYTES }),
    { logger: ['error', 'warn'] },
  );
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  const unregister: (() => void)[] = [];
  let readiness: Readiness | undefined;
  if (telemetry) {
    app.useLogger(nestLogger(telemetry.logger));
    app.useLogger(['error', 'warn']);
    const breakers = app.get(CircuitBreakers);
    unregister.push(
      telemetry.metrics.addLeaseSource(() => admission.stats()),
      telemetry.metrics.addCircuitSource(() => breakers.states()),
    );
    readiness = new Readiness([
      withTimeout('database', () => pool.query('SELECT 1')),
      withTimeout('event store', () => store.headPosition()),
      {
        name: 'lease admission',
        check: async () => {
          if (!admission.stats().accepting) throw new Error('lease admission is closed');
        },
      },
    ]);
    registerOpsRoutes(app.getHttpAdapter().getInstance(), { metrics: telemetry.metrics, readiness });
  }
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    admission,
    readiness,
    close: async () => {
      readiness?.markShuttingDown();
      // HTTP first, with or without telemetry: a request arriving while admission closes would be
      // refused as 402 (no credits) instead of 503 (shutting down, try another instance).
      await closeListener(app.getHttpServer(), () => app.getHttpAdapter().close(), {
        drainMs: options.drainMs ?? DEFAULT_DRAIN_MS,
        log: telemetry?.logger ?? createLogger({ level: 'warn', service: 'gateway' }),
      });
      await admission.close();
      await app.close();
      for (const off of unregister) off();
      await telemetry?.shutdown();
      await store.close();
      await pool.end();
    },
  };
}
