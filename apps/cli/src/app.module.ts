import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { DEFAULT_LEASE_ADMISSION, LeaseAdmission } from '@tollgate/gateway-core';
import { EVENT_STORE, LedgerModule } from '@tollgate/ledger-nest';
import type { PaymentsConfig } from '@tollgate/payments';
import type { TollgateConfig } from '@tollgate/platform';
import { EventStoreLeaseLedger, runAccountCommand } from '../../gateway/src/admission/ledger-lease-ledger';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { PaymentsModule } from '../../portal/src/payments/payments.module';
import { PortalModule } from '../../portal/src/portal.module';
import { WebhooksModule } from '../../portal/src/webhooks/webhooks.module';
import { MarginsModule } from '../../portal/src/margins/margins.module';
import { alertsConfigFromEnv } from '../../portal/src/alerts/alerts-config';
import { AlertsModule } from '../../portal/src/alerts/alerts.module';
import { AuditModule } from '../../portal/src/audit/audit.module';
import { ProjectorModule } from '../../projector/src/projector.module';
import { LoggerModule } from 'nestjs-pino';
import { httpLogOptions, type GatewayTelemetry } from '@tollgate/observability';
import type { Logger } from 'pino';
import { DemoUpstreamController } from './demo/demo-upstream.controller';
import { InvoicingModule } from './invoicing/invoicing.module';
import { ALL_PROJECTIONS } from './projections';
import { DEFAULT_LEASE_SWEEP, LEASE_SWEEPER_OPTIONS, LeaseSweeper } from './leases/lease-sweeper';

import { PG_POOL, TOLLGATE_CONFIG } from './tokens';

export { PG_POOL, TOLLGATE_CONFIG };

export interface AppModuleOptions {
  config: TollgateConfig;
  pool: Pool;
  store: EventStore;
  payments: PaymentsConfig;
  /** JSON logs of the Nest routes (the /v1 request log is written by the gateway telemetry). */
  logger?: Logger;
  /** /v1 metrics, request log and traces; also counts and traces the usage appends. */
  gatewayTelemetry?: GatewayTelemetry;
}

/**
 * A workspace's credit account has the workspace's id; it is opened on first need (idempotent by key),
 * so a workspace created in the portal can buy credits straight away.
 */
export async function ensureAccount(store: EventStore, workspaceId: string): Promise<string> {
  const result = await runAccountCommand(store, {
    type: 'OpenAccount',
    accountId: workspaceId,
    workspaceId,
    creditCurrency: DEFAULT_CREDIT_CURRENCY,
    overdraftLimitNanocredits: 0n,
    idempotencyKey: `open-account:${workspaceId}`,
    now: new Date().toISOString(),
  });
  // Already open under another key (e.g. the demo seed's) is fine: the account exists.
  if (result instanceof DomainError && result.code !== 'ACCOUNT_ALREADY_OPEN') throw result;
  return workspaceId;
}

const DEFAULT_CREDIT_CURRENCY = 'USD';

/** Shared infrastructure every app module in the process uses: config, pool, event store. */
@Module({})
class CoreModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: TOLLGATE_CONFIG, useValue: options.config },
      { provide: PG_POOL, useValue: options.pool },
      { provide: EVENT_STORE, useValue: options.store },
    ];
    return {
      module: CoreModule,
      global: true,
      providers,
      exports: [TOLLGATE_CONFIG, PG_POOL, EVENT_STORE],
    };
  }
}

/** The all-in-one process: gateway, portal (with payments and webhooks) and projector on one port. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config, pool, store, gatewayTelemetry } = options;
    // Each process holds its own leases, so a restart never resumes another instance's slice.
    const holder = `gw-${randomUUID().slice(0, 8)}`;
    const ledger = new EventStoreLeaseLedger(store, holder);
    const admission = new LeaseAdmission(gatewayTelemetry ? gatewayTelemetry.observeLedger(ledger) : ledger, {
      ...DEFAULT_LEASE_ADMISSION,
      holder,
      now: () => Date.now(),
      onError: (message, err) =>
        options.logger
          ? options.logger.error({ component: 'gateway', err }, message)
          : console.error(`[gateway] ${message}`, err),
    });
    return {
      module: AppModule,
      imports: [
        ...(options.logger ? [LoggerModule.forRoot({ pinoHttp: httpLogOptions(options.logger) })] : []),
        CoreModule.forRoot(options),
        CqrsModule.forRoot(),
        LedgerModule,
        GatewayModule.forRoot({
          pool,
          masterKey: config.masterKey,
          admission,
          adminApi: true,
          observer: gatewayTelemetry,
          // Catalog commands share the process's event store; the projector below runs the catalog projection.
          store,
          runCatalogProjection: false,
          marginThresholdPercent: config.marginThresholdPercent,
          pauseOnLowMargin: config.pauseOnLowMargin,
        }),
        PortalModule.forRoot({
          poolToken: PG_POOL,
          adminToken: config.adminToken,
          cookieSecure: config.cookieSecure,
        }),
        PaymentsModule.forRoot({
          poolToken: PG_POOL,
          eventStoreToken: EVENT_STORE,
          config: options.payments,
        }),
        WebhooksModule,
        MarginsModule,
        AuditModule,
        AlertsModule.forRoot({
          pool,
          store,
          masterKey: config.masterKey,
          reactor: alertsConfigFromEnv(process.env),
        }),
        InvoicingModule.forRoot({ pool, store }),
        ProjectorModule.forRoot({
          pool,
          store,
          projections: ALL_PROJECTIONS,
          log: options.logger
            ? (level, message) => options.logger![level]({ component: 'projections' }, message)
            : undefined,
        }),
      ],
      providers: [
        { provide: LEASE_SWEEPER_OPTIONS, useValue: { pool, ...DEFAULT_LEASE_SWEEP } },
        LeaseSweeper,
      ],
      // /healthz, /readyz and /metrics are plain routes registered by bootstrap (start.ts).
      controllers: config.seedDemo ? [DemoUpstreamController] : [],
    };
  }
}
