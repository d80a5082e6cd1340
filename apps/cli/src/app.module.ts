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
import { alertsConfigFromEnv } from '../../portal/src/alerts/alerts-config';
import { AlertsModule } from '../../portal/src/alerts/alerts.module';
import { AuditModule } from '../../portal/src/audit/audit.module';
import { ProjectorModule } from '../../projector/src/projector.module';
import { DemoUpstreamController } from './demo/demo-upstream.controller';
import { HealthController } from './health/health.controller';
import { InvoicingModule } from './invoicing/invoicing.module';
import { ALL_PROJECTIONS } from './projections';
import { DEFAULT_LEASE_SWEEP, LEASE_SWEEPER_OPTIONS, LeaseSweeper } from './leases/lease-sweeper';
import { READINESS_CHECKS, withTimeout } from './health/readiness';

import { PG_POOL, TOLLGATE_CONFIG } from './tokens';

export { PG_POOL, TOLLGATE_CONFIG };

export interface AppModuleOptions {
  config: TollgateConfig;
  pool: Pool;
  store: EventStore;
  payments: PaymentsConfig;
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

/** Shared infrastructure every app module in the process uses: config, pool, health. */
@Module({})
class CoreModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: TOLLGATE_CONFIG, useValue: options.config },
      { provide: PG_POOL, useValue: options.pool },
      { provide: EVENT_STORE, useValue: options.store },
      {
        provide: READINESS_CHECKS,
        useFactory: () => [
          withTimeout('database', () => options.pool.query('SELECT 1')),
          withTimeout('event store', () => options.store.headPosition()),
        ],
      },
    ];
    return {
      module: CoreModule,
      global: true,
      providers,
      exports: [TOLLGATE_CONFIG, PG_POOL, EVENT_STORE, READINESS_CHECKS],
    };
  }
}

/** The all-in-one process: gateway, portal (with payments and webhooks) and projector on one port. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config, pool, store } = options;
    // Each process holds its own leases, so a restart never resumes another instance's slice.
    const holder = `gw-${randomUUID().slice(0, 8)}`;
    const admission = new LeaseAdmission(new EventStoreLeaseLedger(store, holder), {
      ...DEFAULT_LEASE_ADMISSION,
      holder,
      now: () => Date.now(),
      onError: (message, err) => console.error(`[gateway] ${message}`, err),
    });
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        CqrsModule.forRoot(),
        LedgerModule,
        GatewayModule.forRoot({ pool, masterKey: config.masterKey, admission, adminApi: true }),
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
        AuditModule,
        AlertsModule.forRoot({
          pool,
          store,
          masterKey: config.masterKey,
          reactor: alertsConfigFromEnv(process.env),
        }),
        InvoicingModule.forRoot({ pool, store }),
        ProjectorModule.forRoot({ pool, store, projections: ALL_PROJECTIONS }),
      ],
      providers: [
        { provide: LEASE_SWEEPER_OPTIONS, useValue: { pool, ...DEFAULT_LEASE_SWEEP } },
        LeaseSweeper,
      ],
      controllers: config.seedDemo ? [HealthController, DemoUpstreamController] : [HealthController],
    };
  }
}
