import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Pool } from 'pg';
import { PostgresEventStore, runMigrations, type EventStore } from '@tollgate/event-store';
import { ProjectionRunner } from '@tollgate/projections';
import {
  CatalogCache,
  CircuitBreakers,
  DEFAULT_CATALOG_CACHE,
  DEFAULT_CIRCUIT_BREAKER,
  DEFAULT_PROXY_OPTIONS,
  DEFAULT_UPSTREAM_POOL,
  GatewayProxy,
  WorkspaceGovernor,
  KeySpendTracker,
  UpstreamPools,
  warmTokenizer,
  type CatalogCacheOptions,
  type CircuitBreakerOptions,
  type CreditAdmission,
  type GatewayProxyOptions,
  type ProxyObserver,
  type UpstreamPoolOptions,
} from '@tollgate/gateway-core';
import { ADMIN_API_POOL, AdminCatalogController, AdminDocsController } from './admin';
import { catalogProjection } from './catalog/catalog.projection';
import { GatewayAdmin } from './catalog/gateway-admin';
import { GATEWAY_CATALOG_COMPONENT, GATEWAY_CATALOG_MIGRATIONS } from './catalog/migrations';
import { PostgresCatalog } from './catalog/postgres-catalog';
import { OpenAiErrorFilter } from './http/openai-error.filter';
import { LimitsPageController } from '../../portal/src/workspace/limits-page.controller';
import { OpenAiController } from './http/openai.controller';
import {
  WorkspaceRulesAdminPageController,
  WorkspaceRulesController,
  workspaceRulesProviders,
  WorkspaceRulesService,
  type WorkspaceRulesOptions,
} from './workspace-rules';
import { RawV1Routes } from './http/raw-v1-routes';
import { SecretBox } from './secrets/secret-box';

export interface GatewayModuleOptions {
  /** Postgres holding the gateway catalog (shared with the rest of the process). */
  pool: Pool;
  /** 32 bytes; seals upstream keys at rest. */
  masterKey: Buffer;
  /** Credit admission (the lease manager over the ledger). */
  admission: CreditAdmission;
  /** Run the catalog migrations on start (idempotent). Default true. */
  migrate?: boolean;
  /** Load the tokenizer at start so the first estimate does not stall a request. Default true. */
  warmTokenizer?: boolean;
  proxy?: Partial<Omit<GatewayProxyOptions, 'now' | 'random'>>;
  cache?: Partial<Omit<CatalogCacheOptions, 'now'>>;
  upstream?: Partial<UpstreamPoolOptions>;
  circuitBreaker?: Partial<Omit<CircuitBreakerOptions, 'now'>>;
  /** How often charged key spend is written to the catalog (spend limits). */
  keySpendFlushMs?: number;
  /**
   * Serve the admin JSON API (/admin/api). Needs the portal's global identity module (AdminGuard) and
   * a global CommandBus with the ledger handlers, so only the all-in-one app turns it on. Default false.
   */
  adminApi?: boolean;
  /** Workspace provider policy and shared quotas: slice/cache tuning (tests), projection placement. */
  workspaceRules?: Partial<Omit<WorkspaceRulesOptions, 'pool'>>;
  /** Where catalog commands are appended; default: the Postgres event store on `pool` (closed on shutdown). */
  store?: EventStore;
  /**
   * Project the catalog events into the catalog tables from this process (leader-locked, so several
   * instances are fine). Default true; the all-in-one app's projector runs it instead.
   */
  runCatalogProjection?: boolean;
  /** Margin every deployment needs to open an alias without an override (decimal percent, default "0"). */
  marginThresholdPercent?: string;
  /** Pause an open alias when a change pushes its margin below the threshold. Default false. */
  pauseOnLowMargin?: boolean;
  /** Metrics, request log and traces of /v1 requests (GatewayTelemetry); absent: none. */
  observer?: ProxyObserver;
}

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');
export const CREDIT_ADMISSION = Symbol('CREDIT_ADMISSION');
/** The event store catalog commands go to (GatewayModuleOptions.store or one on the pool). */
export const CATALOG_EVENT_STORE = Symbol('CATALOG_EVENT_STORE');

const DEFAULT_KEY_SPEND_FLUSH_MS = 1_000;

/** Migrations of the gateway catalog tables; the CLI's `migrate` should call this too. */
export function migrateGatewayCatalog(pool: Pool): Promise<unknown> {
  return runMigrations(pool, GATEWAY_CATALOG_MIGRATIONS, { component: GATEWAY_CATALOG_COMPONENT });
}

/** Start-up and shutdown of the gateway's moving parts. */
@Injectable()
export class GatewayLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private catalogRunner: ProjectionRunner | null = null;

  constructor(
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayModuleOptions,
    @Inject(PostgresCatalog) private readonly catalog: PostgresCatalog,
    @Inject(CatalogCache) private readonly cache: CatalogCache,
    @Inject(KeySpendTracker) private readonly keySpend: KeySpendTracker,
    @Inject(UpstreamPools) private readonly pools: UpstreamPools,
    @Inject(CATALOG_EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.migrate !== false) await migrateGatewayCatalog(this.options.pool);
    if (this.options.runCatalogProjection !== false) {
      this.catalogRunner = new ProjectionRunner({
        pool: this.options.pool,
        store: this.store,
        projections: [catalogProjection],
        log: (level, message) => {
          if (level !== 'info') console.error(`[gateway catalog] ${level}: ${message}`);
        },
      });
      await this.catalogRunner.start();
    }
    if (this.options.warmTokenizer !== false) warmTokenizer();
    this.timer = setInterval(
      () => void this.flushKeySpend(),
      this.options.keySpendFlushMs ?? DEFAULT_KEY_SPEND_FLUSH_MS,
    );
    this.timer.unref();
  }

  /** Writes charged spend to the keys' rows; on failure it stays pending for the next round. */
  flushKeySpend(): Promise<void> {
    if (this.flushing) return this.flushing;
    const entries = this.keySpend.drain();
    if (entries.length === 0) return Promise.resolve();
    this.flushing = this.catalog
      .addKeySpend(entries)
      .then(() => this.keySpend.persisted(entries, (id) => this.cache.cachedKey(id)))
      .catch(() => undefined)
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.options.admission.close();
    await this.flushKeySpend();
    await this.pools.close();
    await this.catalogRunner?.stop();
    if (!this.options.store) await this.store.close();
  }
}

/**
 * The OpenAI-compatible gateway (/v1). Import `GatewayModule.forRoot(...)` into the all-in-one app or
 * run it alone (main.ts). Its OpenAI error filter only answers for /v1 paths.
 */
@Module({})
export class GatewayModule {
  static forRoot(options: GatewayModuleOptions): DynamicModule {
    const now = (): number => Date.now();
    const providers: Provider[] = [
      { provide: GATEWAY_OPTIONS, useValue: options },
      { provide: CREDIT_ADMISSION, useValue: options.admission },
      { provide: SecretBox, useFactory: () => new SecretBox(options.masterKey) },
      {
        provide: PostgresCatalog,
        useFactory: (box: SecretBox) => new PostgresCatalog(options.pool, box),
        inject: [SecretBox],
      },
      {
        provide: CATALOG_EVENT_STORE,
        useFactory: () => options.store ?? new PostgresEventStore({ pool: options.pool }),
      },
      {
        provide: GatewayAdmin,
        useFactory: (box: SecretBox, cache: CatalogCache, store: EventStore) =>
          new GatewayAdmin(options.pool, box, {
            store,
            onChange: () => cache.invalidate(),
            marginThresholdPercent: options.marginThresholdPercent,
            pauseOnLowMargin: options.pauseOnLowMargin,
          }),
        inject: [SecretBox, CatalogCache, CATALOG_EVENT_STORE],
      },
      {
        provide: CatalogCache,
        useFactory: (catalog: PostgresCatalog) =>
          new CatalogCache(catalog, { ...DEFAULT_CATALOG_CACHE, ...options.cache, now }),
        inject: [PostgresCatalog],
      },
      ...workspaceRulesProviders({
        pool: options.pool,
        holder: `gw-${process.pid}-${randomUUID().slice(0, 8)}`,
        migrate: options.migrate !== false,
        runProjection: options.runCatalogProjection !== false,
        store: options.store,
        ...options.workspaceRules,
      }),
      { provide: KeySpendTracker, useFactory: () => new KeySpendTracker() },
      {
        provide: CircuitBreakers,
        useFactory: () =>
          new CircuitBreakers({
            ...DEFAULT_CIRCUIT_BREAKER,
            ...options.circuitBreaker,
            now: () => performance.now(),
          }),
      },
      {
        provide: UpstreamPools,
        useFactory: () =>
          new UpstreamPools({
            ...DEFAULT_UPSTREAM_POOL,
            ...options.upstream,
            timeouts: { ...DEFAULT_UPSTREAM_POOL.timeouts, ...options.upstream?.timeouts },
          }),
      },
      {
        provide: GatewayProxy,
        useFactory: (
          catalog: CatalogCache,
          pools: UpstreamPools,
          breakers: CircuitBreakers,
          governor: WorkspaceGovernor,
          keySpend: KeySpendTracker,
        ) =>
          new GatewayProxy(
            {
              catalog,
              admission: options.admission,
              pools,
              breakers,
              governor,
              keySpend,
              observer: options.observer,
            },
            { ...DEFAULT_PROXY_OPTIONS, ...options.proxy, now, random: Math.random },
          ),
        inject: [CatalogCache, UpstreamPools, CircuitBreakers, WorkspaceGovernor, KeySpendTracker],
      },
      GatewayLifecycle,
      RawV1Routes,
      { provide: APP_FILTER, useClass: OpenAiErrorFilter },
    ];
    return {
      module: GatewayModule,
      controllers: options.adminApi
        ? [
            OpenAiController,
            AdminCatalogController,
            AdminDocsController,
            WorkspaceRulesController,
            // The customer's /w/:id/limits page reads the same rules service (portal guards, all-in-one).
            LimitsPageController,
            WorkspaceRulesAdminPageController,
          ]
        : [OpenAiController],
      providers: options.adminApi
        ? [...providers, { provide: ADMIN_API_POOL, useValue: options.pool }]
        : providers,
      exports: [
        GatewayAdmin,
        CatalogCache,
        GatewayProxy,
        CREDIT_ADMISSION,
        GatewayLifecycle,
        WorkspaceGovernor,
        WorkspaceRulesService,
      ],
    };
  }
}
