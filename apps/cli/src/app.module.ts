import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { Pool } from 'pg';
import type { TollgateConfig } from '@tollgate/platform';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS, withTimeout } from './health/readiness';

export const PG_POOL = Symbol('PG_POOL');
export const TOLLGATE_CONFIG = Symbol('TOLLGATE_CONFIG');

/** The all-in-one process: every app's module on one port, sharing one pool and one event store. */
@Module({})
export class AppModule {
  static forRoot(options: { config: TollgateConfig; pool: Pool }): DynamicModule {
    const providers: Provider[] = [
      { provide: TOLLGATE_CONFIG, useValue: options.config },
      { provide: PG_POOL, useValue: options.pool },
      {
        provide: READINESS_CHECKS,
        useFactory: (pool: Pool) => [withTimeout('database', () => pool.query('SELECT 1'))],
        inject: [PG_POOL],
      },
    ];
    return {
      module: AppModule,
      global: true,
      controllers: [HealthController],
      providers,
      exports: [TOLLGATE_CONFIG, PG_POOL],
    };
  }
}
