import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '@tollgate/event-store';
import {
  InvoiceDownloads,
  InvoicePdfs,
  InvoiceService,
  InvoiceTemplates,
  InvoicingReactor,
  InvoicingReactorRunner,
  PdfRenderer,
  invoiceSeriesFromEnv,
  paymentEventMapper,
  sellerSnapshotSchema,
  type SellerSnapshot,
} from '@tollgate/invoicing';

import { INVOICE_DOWNLOADS, INVOICE_SERVICE } from '../tokens';
import { AdminInvoicesController, CustomerInvoicesController } from './invoices-api.controller';
import { processMetrics } from '@tollgate/observability';

export { INVOICE_DOWNLOADS, INVOICE_SERVICE };
const INVOICING_RUNTIME = Symbol('INVOICING_RUNTIME');

/** Idle wait between catch-ups of the invoicing reactor; each catch-up is bounded by the runner. */
const REACTOR_IDLE_MS = 1_000;
const MAX_CONCURRENT_RENDERS = 4;

/** The operator's own details, frozen into every invoice when it is drafted. */
export function sellerFromEnv(env: NodeJS.ProcessEnv = process.env): SellerSnapshot {
  return sellerSnapshotSchema.parse({
    legalName: env.TOLLGATE_SELLER_NAME ?? 'Tollgate Demo Operator GmbH',
    addressLines: (env.TOLLGATE_SELLER_ADDRESS ?? 'Musterstraße 1')
      .split('|')
      .map((l) => l.trim())
      .filter(Boolean),
    postalCode: env.TOLLGATE_SELLER_POSTAL_CODE ?? '10115',
    city: env.TOLLGATE_SELLER_CITY ?? 'Berlin',
    country: env.TOLLGATE_SELLER_COUNTRY ?? 'DE',
    vatId: env.TOLLGATE_SELLER_VAT_ID ?? null,
    email: env.TOLLGATE_SELLER_EMAIL ?? null,
    footer: env.TOLLGATE_SELLER_FOOTER ?? null,
  });
}

interface InvoicingRuntime {
  service: InvoiceService;
  runner: InvoicingReactorRunner;
  renderer: PdfRenderer;
  downloads: InvoiceDownloads;
}

/** Drafts and finalizes invoices for confirmed orders and credit notes for refunds, in this process. */
@Injectable()
class InvoicingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(@Inject(INVOICING_RUNTIME) private readonly rt: InvoicingRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.rt.runner.migrate();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.rt.runner.catchUp();
      } catch (err) {
        console.error(`[invoicing] reactor: ${(err as Error).message}`);
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
    await this.rt.renderer.close();
  }
}

@Module({})
export class InvoicingModule {
  static forRoot(options: { pool: Pool; store: EventStore; seller?: SellerSnapshot }): DynamicModule {
    const runtime = (): InvoicingRuntime => {
      const service = new InvoiceService({
        store: options.store,
        seller: options.seller ?? sellerFromEnv(),
        series: [invoiceSeriesFromEnv()],
      });
      const reactor = new InvoicingReactor(service, paymentEventMapper(options.store));
      const metrics = processMetrics();
      const renderer = new PdfRenderer({
        maxConcurrentRenders: MAX_CONCURRENT_RENDERS,
        onRender: (outcome, seconds) => {
          metrics.invoiceRenders.labels(outcome).inc();
          if (outcome === 'rendered') metrics.invoiceRenderDuration.observe(seconds);
        },
      });
      return {
        service,
        runner: new InvoicingReactorRunner(options.store, options.pool, reactor),
        renderer,
        downloads: new InvoiceDownloads(service, new InvoicePdfs(new InvoiceTemplates(), renderer)),
      };
    };
    return {
      module: InvoicingModule,
      global: true,
      providers: [
        { provide: INVOICING_RUNTIME, useFactory: runtime },
        {
          provide: INVOICE_SERVICE,
          useFactory: (rt: InvoicingRuntime) => rt.service,
          inject: [INVOICING_RUNTIME],
        },
        {
          provide: INVOICE_DOWNLOADS,
          useFactory: (rt: InvoicingRuntime) => rt.downloads,
          inject: [INVOICING_RUNTIME],
        },
        InvoicingLifecycle,
      ],
      controllers: [CustomerInvoicesController, AdminInvoicesController],
      exports: [INVOICE_SERVICE, INVOICE_DOWNLOADS],
    };
  }
}
