import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds buckets for upstream calls: LLM answers take from tens of milliseconds to minutes. */
const UPSTREAM_BUCKETS_S = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RENDER_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What a gateway instance holds now, read at scrape time (never on the request path). */
export interface LeaseGaugeSample {
  openLeases: number;
  leasedNanocredits: bigint;
  pendingUsage: number;
  /** Admitted requests not yet settled. */
  inflight: number;
}

export type CircuitStateName = 'closed' | 'half_open' | 'open';

/** One projection's lag, read at scrape time from the projection registry and the store's head. */
export interface ProjectionLagSample {
  name: string;
  lagEvents: number;
  lagSeconds: number;
  /** 0..1 while a rebuild of the next version runs; null when none runs. */
  rebuildFraction: number | null;
}

type Source<T> = () => T;
type AsyncSource<T> = () => Promise<T>;

const CIRCUIT_STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The process's Prometheus registry and every Tollgate metric. One per process (`processMetrics()`);
 * tests may make their own. Values that already live elsewhere (leases, breakers, projection lag) are
 * read from registered sources at scrape time, so nothing is counted twice and the hot path pays nothing.
 */
export class TollgateMetrics {
  readonly registry = new Registry();

  readonly gatewayRequests = new Counter({
    name: 'tollgate_gateway_requests_total',
    help: '/v1 requests answered, by alias, deployment that answered last ("none" if none) and HTTP status',
    labelNames: ['alias', 'deployment', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'tollgate_gateway_upstream_latency_seconds',
    help: 'Duration of each upstream attempt, by deployment and outcome',
    labelNames: ['deployment', 'outcome'] as const,
    buckets: UPSTREAM_BUCKETS_S,
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: 'tollgate_gateway_time_to_first_token_seconds',
    help: 'From the start of the attempt that answered to its first bytes reaching the client',
    labelNames: ['deployment'] as const,
    buckets: FIRST_TOKEN_BUCKETS_S,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'tollgate_gateway_fallbacks_total',
    help: 'Upstream attempts after the first one of a request (fallback to another deployment), by alias',
    labelNames: ['alias'] as const,
    registers: [this.registry],
  });
  readonly admissionRejections = new Counter({
    name: 'tollgate_gateway_admission_rejections_total',
    help: 'Requests refused before any upstream call: insufficient_quota, spend_limit_reached, rate_limited',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly usageFlushed = new Counter({
    name: 'tollgate_gateway_usage_events_flushed_total',
    help: 'UsageRecorded events appended to the ledger',
    registers: [this.registry],
  });
  readonly leaseEvents = new Counter({
    name: 'tollgate_gateway_lease_operations_total',
    help: 'Credit lease operations on the ledger: reserved, insufficient (reservation refused), settled, failed',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly usageFlushFailures = new Counter({
    name: 'tollgate_gateway_usage_flush_failures_total',
    help: 'Usage appends that failed (they are retried)',
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'tollgate_webhook_deliveries_total',
    help: 'Payment webhook deliveries received, by provider and result',
    labelNames: ['provider', 'result'] as const,
    registers: [this.registry],
  });
  readonly invoiceRenders = new Counter({
    name: 'tollgate_invoice_renders_total',
    help: 'Invoice and credit-note PDF renders, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly invoiceRenderDuration = new Histogram({
    name: 'tollgate_invoice_render_duration_seconds',
    help: 'Time to render one invoice PDF',
    buckets: RENDER_BUCKETS_S,
    registers: [this.registry],
  });

  private readonly leaseSources = new Set<Source<LeaseGaugeSample>>();
  private readonly circuitSources = new Set<Source<Iterable<[string, CircuitStateName]>>>();
  private readonly projectionSources = new Set<AsyncSource<ProjectionLagSample[]>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const leases = (): LeaseGaugeSample => {
      const total = { openLeases: 0, leasedNanocredits: 0n, pendingUsage: 0, inflight: 0 };
      for (const source of this.leaseSources) {
        const s = source();
        total.openLeases += s.openLeases;
        total.leasedNanocredits += s.leasedNanocredits;
        total.pendingUsage += s.pendingUsage;
        total.inflight += s.inflight;
      }
      return total;
    };
    new Gauge({
      name: 'tollgate_gateway_open_leases',
      help: 'Credit leases this instance holds (reserved, not yet settled)',
      registers: [this.registry],
      collect() {
        this.set(leases().openLeases);
      },
    });
    new Gauge({
      name: 'tollgate_gateway_leased_credits',
      help: 'Credits reserved by the open leases of this instance (for dashboards; the ledger is exact)',
      registers: [this.registry],
      collect() {
        // Whole nanocredits converted once for display; never used for money.
        this.set(Number(leases().leasedNanocredits) / 1e9);
      },
    });
    new Gauge({
      name: 'tollgate_gateway_requests_in_flight',
      help: 'Requests admitted against a lease and not yet settled',
      registers: [this.registry],
      collect() {
        this.set(leases().inflight);
      },
    });
    new Gauge({
      name: 'tollgate_gateway_usage_events_buffered',
      help: 'Settled requests whose UsageRecorded is waiting in memory for its batched append',
      registers: [this.registry],
      collect() {
        this.set(leases().pendingUsage);
      },
    });
    const circuits = this.circuitSources;
    new Gauge({
      name: 'tollgate_gateway_circuit_breaker_state',
      help: 'Circuit breaker per deployment: 0 closed, 1 half-open, 2 open',
      labelNames: ['deployment'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const source of circuits)
          for (const [deployment, state] of source()) this.set({ deployment }, CIRCUIT_STATE_VALUE[state]);
      },
    });
    // The three projection gauges are collected concurrently by one scrape: they share one read.
    const projections = this.projectionSources;
    let reading: Promise<ProjectionLagSample[]> | null = null;
    const sampleProjections = (): Promise<ProjectionLagSample[]> =>
      (reading ??= (async () => {
        const all: ProjectionLagSample[] = [];
        for (const source of projections) {
          try {
            all.push(...(await source()));
          } catch {
            // database unreachable: /readyz says so; /metrics keeps answering
          }
        }
        return all;
      })().finally(() => {
        reading = null;
      }));
    const projectionGauge = (
      name: string,
      help: string,
      pick: (s: ProjectionLagSample) => number | null,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ['projection'] as const,
        registers: [this.registry],
        async collect() {
          const samples = await sampleProjections();
          this.reset();
          for (const s of samples) {
            const v = pick(s);
            if (v !== null) this.set({ projection: s.name }, v);
          }
        },
      });
    };
    projectionGauge(
      'tollgate_projector_lag_events',
      'Events recorded after the projection checkpoint (counted up to a bound)',
      (s) => s.lagEvents,
    );
    projectionGauge(
      'tollgate_projector_lag_seconds',
      'Age of the oldest event the projection has not applied yet; 0 when caught up',
      (s) => s.lagSeconds,
    );
    projectionGauge(
      'tollgate_projection_rebuild_progress_ratio',
      'Share of the event log a running rebuild has read, 0..1 (absent when none runs)',
      (s) => s.rebuildFraction,
    );
  }

  /** Registers a gateway instance's lease holdings; returns the unregister function. */
  addLeaseSource(source: Source<LeaseGaugeSample>): () => void {
    this.leaseSources.add(source);
    return () => this.leaseSources.delete(source);
  }

  addCircuitSource(source: Source<Iterable<[string, CircuitStateName]>>): () => void {
    this.circuitSources.add(source);
    return () => this.circuitSources.delete(source);
  }

  addProjectionSource(source: AsyncSource<ProjectionLagSample[]>): () => void {
    this.projectionSources.add(source);
    return () => this.projectionSources.delete(source);
  }

  /** The text exposition format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

let processWide: TollgateMetrics | undefined;

/** The one registry of this process (created on first use). */
export function processMetrics(): TollgateMetrics {
  processWide ??= new TollgateMetrics();
  return processWide;
}

/** Reuses an expensive sample (a database read) for `ttlMs`, and shares one read among concurrent scrapes. */
export function cachedSource<T>(read: () => Promise<T>, ttlMs: number, now = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const t = now();
    if (!last || t - last.at >= ttlMs) {
      const value = read();
      last = { at: t, value };
      value.catch(() => {
        last = null; // a failed read is not cached
      });
    }
    return last.value;
  };
}
