import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { migrateEventStore, PostgresEventStore, type EventStore } from '@tollgate/event-store';
import { DEFAULT_LEASE_ADMISSION, LeaseAdmission } from '@tollgate/gateway-core';
import { EventStoreLeaseLedger } from './admission/ledger-lease-ledger';
import { GatewayModule } from './gateway.module';

/** Request bodies above this are refused with 413 (chat requests with inline images need room). */
export const GATEWAY_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** A lease holder id unique to this process (leases are settled only by their holder). */
export function gatewayInstanceId(): string {
  return `gw-${hostname().slice(0, 40)}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** The lease-backed credit admission every gateway instance uses. */
export function createLeaseAdmission(store: EventStore, holder = gatewayInstanceId()): LeaseAdmission {
  return new LeaseAdmission(new EventStoreLeaseLedger(store, holder), {
    ...DEFAULT_LEASE_ADMISSION,
    holder,
    now: () => Date.now(),
    onError: (message, err) => console.error(`[gateway] ${message}:`, err),
  });
}

export interface StandaloneGateway {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** The gateway alone (scaled separately from the portal and projectors): Postgres catalog + event store. */
export async function startStandaloneGateway(options: {
  databaseUrl: string;
  masterKey: Buffer;
  port: number;
  host: string;
}): Promise<StandaloneGateway> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: 20 });
  await migrateEventStore(pool);
  const store = new PostgresEventStore({ pool });
  const admission = createLeaseAdmission(store);
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ pool, masterKey: options.masterKey, admission }),
    new FastifyAdapter({ bodyLimit: GATEWAY_BODY_LIMIT_BYTES }),
    { logger: ['error', 'warn'] },
  );
  app.enableShutdownHooks();
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await store.close();
      await pool.end();
    },
  };
}
