import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { runMigrations, type EventStore } from '@tollgate/event-store';
import {
  CreditingReactor,
  EventStoreCreditLedger,
  PAYMENTS_MIGRATION_COMPONENT,
  PAYMENTS_MIGRATIONS,
  PaymentsService,
  SandboxCheckoutProvider,
  StripeCheckoutProvider,
  WebhookPipeline,
  type CheckoutProvider,
} from '@tollgate/payments';
import { AdminPaymentsController } from './admin-payments.controller';
import { CustomerPaymentsController } from './customer-payments.controller';
import {
  CREDITING_REACTOR,
  PAYMENTS_EVENT_STORE,
  PAYMENTS_OPTIONS,
  PAYMENTS_POOL,
  PAYMENTS_SERVICE,
  SANDBOX_PROVIDER,
  WEBHOOK_PIPELINE,
  type PaymentsModuleOptions,
} from './payments.tokens';

const CHECKOUT_PROVIDERS = Symbol('tollgate.CHECKOUT_PROVIDERS');
/** Idle wait of the in-process crediting loop; a confirmation wakes it at once. */
const REACTOR_IDLE_MS = 1_000;

/** Migrations, the demo catalogue and (optionally) the in-process crediting loop. */
@Injectable()
export class PaymentsLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: PaymentsModuleOptions,
    @Inject(PAYMENTS_POOL) private readonly pool: Pool,
    @Inject(PAYMENTS_SERVICE) private readonly service: PaymentsService,
    @Inject(CREDITING_REACTOR) private readonly reactor: CreditingReactor,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.pool, PAYMENTS_MIGRATIONS, { component: PAYMENTS_MIGRATION_COMPONENT });
    if (this.options.seedPackages ?? true) await this.service.seedPackages('system');
  }

  onApplicationBootstrap(): void {
    if (this.options.runCreditingReactor ?? true) this.loop = this.run();
  }

  /** Wakes the crediting loop (called after a confirmation). */
  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.reactor.catchUp();
      } catch (err) {
        console.error(`[payments] crediting reactor: ${(err as Error).message}`);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REACTOR_IDLE_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }
}

/**
 * Settlement for the portal: customer and admin payment APIs (controllers here) plus the services the
 * WebhooksModule uses. Global so WebhooksModule can be imported beside it. The host must provide the
 * pool and the event store under the tokens named in the options, and create the app with
 * `rawBody: true` (webhook signatures are checked over the raw body).
 */
@Module({})
export class PaymentsModule {
  static forRoot(options: PaymentsModuleOptions): DynamicModule {
    const now = options.now ?? (() => new Date());
    const providers: Provider[] = [
      { provide: PAYMENTS_OPTIONS, useValue: options },
      { provide: PAYMENTS_POOL, useExisting: options.poolToken },
      { provide: PAYMENTS_EVENT_STORE, useExisting: options.eventStoreToken },
      {
        provide: SANDBOX_PROVIDER,
        useFactory: () =>
          options.config.sandbox.enabled
            ? new SandboxCheckoutProvider({
                webhookSecret: options.config.sandbox.webhookSecret,
                publicBaseUrl: options.config.publicBaseUrl,
              })
            : null,
      },
      {
        provide: CHECKOUT_PROVIDERS,
        useFactory: (sandbox: SandboxCheckoutProvider | null): CheckoutProvider[] => {
          const list: CheckoutProvider[] = [];
          const s = options.config.stripe;
          if (s)
            list.push(
              new StripeCheckoutProvider({
                secretKey: s.secretKey,
                webhookSecret: s.webhookSecret,
                host: s.apiHost,
                port: s.apiPort,
                protocol: s.apiProtocol,
              }),
            );
          if (sandbox) list.push(sandbox);
          return list;
        },
        inject: [SANDBOX_PROVIDER],
      },
      {
        provide: PAYMENTS_SERVICE,
        useFactory: (store: EventStore, list: CheckoutProvider[]) =>
          new PaymentsService({
            store,
            ledger: new EventStoreCreditLedger(store),
            taxSettings: options.config.taxSettings,
            refundPolicy: options.config.refundPolicy,
            // Stripe first: when both are on, new orders go to Stripe.
            checkoutProvider: list[0] ?? null,
            providers: list,
            publicBaseUrl: options.config.publicBaseUrl,
            accountIdForWorkspace: options.accountIdForWorkspace ?? ((ws) => Promise.resolve(ws)),
            now,
          }),
        inject: [PAYMENTS_EVENT_STORE, CHECKOUT_PROVIDERS],
      },
      {
        provide: CREDITING_REACTOR,
        useFactory: (store: EventStore, pool: Pool) =>
          new CreditingReactor(store, pool, new EventStoreCreditLedger(store)),
        inject: [PAYMENTS_EVENT_STORE, PAYMENTS_POOL],
      },
      PaymentsLifecycle,
      {
        provide: WEBHOOK_PIPELINE,
        useFactory: (store: EventStore, pool: Pool, list: CheckoutProvider[], lifecycle: PaymentsLifecycle) =>
          new WebhookPipeline({ store, pool, providers: list, now, onConfirmed: () => lifecycle.nudge() }),
        inject: [PAYMENTS_EVENT_STORE, PAYMENTS_POOL, CHECKOUT_PROVIDERS, PaymentsLifecycle],
      },
    ];
    return {
      module: PaymentsModule,
      global: true,
      controllers: [CustomerPaymentsController, AdminPaymentsController],
      providers,
      exports: [
        PAYMENTS_OPTIONS,
        PAYMENTS_SERVICE,
        WEBHOOK_PIPELINE,
        SANDBOX_PROVIDER,
        CREDITING_REACTOR,
        PAYMENTS_POOL,
      ],
    };
  }
}
