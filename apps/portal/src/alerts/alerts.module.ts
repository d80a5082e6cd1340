import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { runMigrations, type EventStore } from '@tollgate/event-store';
import { SecretBox } from '../../../gateway/src/secrets/secret-box';
import { ALERTS_CONFIG, DEFAULT_ALERTS_REACTOR, type AlertsReactorConfig } from './alerts-config';
import { ALERTS_MIGRATION_COMPONENT, ALERTS_MIGRATIONS } from './alerts-migrations';
import { ALERTS_SERVICE, AlertsPagesController } from './alerts-pages.controller';
import { AlertsReactor } from './alerts-reactor';
import { AlertsService } from './alerts.service';

export interface AlertsModuleOptions {
  pool: Pool;
  store: EventStore;
  /** The master key sealing each workspace's webhook signing secret. */
  masterKey: Buffer;
  reactor?: AlertsReactorConfig;
  /** Run the background reactor in this process (default true). */
  runReactor?: boolean;
}

const ALERTS_REACTOR = Symbol('ALERTS_REACTOR');
const ALERTS_OPTIONS = Symbol('ALERTS_OPTIONS');

/**
 * Low-balance alerts: the `/w/:id/alerts` page and the background reactor (settings, crossings,
 * signed webhook deliveries). Its tables are created on start; the reactor starts after them.
 */
@Module({})
export class AlertsModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ALERTS_OPTIONS) private readonly options: AlertsModuleOptions,
    @Inject(ALERTS_REACTOR) private readonly reactor: AlertsReactor,
  ) {}

  static forRoot(options: AlertsModuleOptions): DynamicModule {
    const secretBox = new SecretBox(options.masterKey);
    return {
      module: AlertsModule,
      controllers: [AlertsPagesController],
      providers: [
        { provide: ALERTS_OPTIONS, useValue: options },
        { provide: ALERTS_CONFIG, useValue: options.reactor ?? DEFAULT_ALERTS_REACTOR },
        { provide: ALERTS_SERVICE, useValue: new AlertsService(options.pool, options.store, secretBox) },
        {
          provide: ALERTS_REACTOR,
          useValue: new AlertsReactor({
            pool: options.pool,
            store: options.store,
            secretBox,
            config: options.reactor ?? DEFAULT_ALERTS_REACTOR,
          }),
        },
      ],
      exports: [ALERTS_SERVICE],
    };
  }

  async onModuleInit(): Promise<void> {
    await runMigrations(this.options.pool, ALERTS_MIGRATIONS, { component: ALERTS_MIGRATION_COMPONENT });
    if (this.options.runReactor ?? true) this.reactor.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reactor.stop();
  }
}
