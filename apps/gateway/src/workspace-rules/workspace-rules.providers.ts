import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { PostgresEventStore, runMigrations, type EventStore } from '@tollgate/event-store';
import {
  DEFAULT_QUOTA_SLICES,
  DEFAULT_WORKSPACE_RULES_CACHE,
  QuotaSlices,
  WorkspaceGovernor,
  WorkspaceRulesCache,
  type QuotaSlicesOptions,
  type WorkspaceRulesCacheOptions,
} from '@tollgate/gateway-core';
import {
  ensureProjection,
  migrateProjectionRuntime,
  ProjectionRunner,
  workspaceRulesProjection,
} from '@tollgate/projections';
import { QUOTA_COUNTERS_COMPONENT, QUOTA_COUNTERS_MIGRATIONS } from './migrations';
import { PostgresQuotaStore } from './postgres-quota-store';
import { PostgresWorkspaceRules, WorkspaceRulesService } from './workspace-rules.service';

export interface WorkspaceRulesOptions {
  pool: Pool;
  /** Gateway instance id: owner of its concurrency slots. */
  holder: string;
  /** Create the quota tables and the workspace_rules read model at start. */
  migrate: boolean;
  /** Run the workspace_rules projection in this process (leader-locked; the all-in-one projector may instead). */
  runProjection: boolean;
  /** Where rule commands go and the projection reads from; default: a Postgres event store on `pool`. */
  store?: EventStore;
  slices?: Partial<Omit<QuotaSlicesOptions, 'holder' | 'now' | 'onError'>>;
  cache?: Partial<Omit<WorkspaceRulesCacheOptions, 'now'>>;
}

export const WORKSPACE_RULES_OPTIONS = Symbol('WORKSPACE_RULES_OPTIONS');
export const WORKSPACE_RULES_EVENT_STORE = Symbol('WORKSPACE_RULES_EVENT_STORE');

export function migrateQuotaCounters(pool: Pool): Promise<unknown> {
  return runMigrations(pool, QUOTA_COUNTERS_MIGRATIONS, { component: QUOTA_COUNTERS_COMPONENT });
}

/** Creates the tables, runs the projection if asked, hands slices back at shutdown. */
@Injectable()
export class WorkspaceRulesLifecycle implements OnModuleInit, OnApplicationShutdown {
  private runner: ProjectionRunner | null = null;

  constructor(
    @Inject(WORKSPACE_RULES_OPTIONS) private readonly options: WorkspaceRulesOptions,
    @Inject(WORKSPACE_RULES_EVENT_STORE) private readonly store: EventStore,
    @Inject(WorkspaceGovernor) private readonly governor: WorkspaceGovernor,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.migrate) {
      await migrateQuotaCounters(this.options.pool);
      await migrateProjectionRuntime(this.options.pool);
      await ensureProjection(this.options.pool, workspaceRulesProjection);
    }
    if (this.options.runProjection) {
      this.runner = new ProjectionRunner({
        pool: this.options.pool,
        store: this.store,
        projections: [workspaceRulesProjection],
        log: (level, message) => {
          if (level !== 'info') console.error(`[gateway workspace rules] ${level}: ${message}`);
        },
      });
      await this.runner.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.governor
      .close()
      .catch((err: unknown) => console.error('[gateway] returning quota slices failed:', err));
    await this.runner?.stop();
    if (!this.options.store) await this.store.close();
  }
}

/** The Nest providers of workspace rules (provider policy and quotas) for GatewayModule. */
export function workspaceRulesProviders(options: WorkspaceRulesOptions): Provider[] {
  const now = (): number => Date.now();
  return [
    { provide: WORKSPACE_RULES_OPTIONS, useValue: options },
    {
      provide: WORKSPACE_RULES_EVENT_STORE,
      useFactory: () => options.store ?? new PostgresEventStore({ pool: options.pool }),
    },
    {
      provide: WorkspaceRulesCache,
      useFactory: () =>
        new WorkspaceRulesCache(new PostgresWorkspaceRules(options.pool), {
          ...DEFAULT_WORKSPACE_RULES_CACHE,
          ...options.cache,
          now,
        }),
    },
    {
      provide: WorkspaceGovernor,
      useFactory: (cache: WorkspaceRulesCache) =>
        new WorkspaceGovernor(
          cache,
          new QuotaSlices(new PostgresQuotaStore(options.pool), {
            ...DEFAULT_QUOTA_SLICES,
            ...options.slices,
            holder: options.holder,
            now,
            onError: (message, err) => console.error(`[gateway] ${message}:`, err),
          }),
          now,
        ),
      inject: [WorkspaceRulesCache],
    },
    {
      provide: WorkspaceRulesService,
      useFactory: (store: EventStore, cache: WorkspaceRulesCache) =>
        new WorkspaceRulesService(options.pool, store, cache),
      inject: [WORKSPACE_RULES_EVENT_STORE, WorkspaceRulesCache],
    },
    WorkspaceRulesLifecycle,
  ];
}
