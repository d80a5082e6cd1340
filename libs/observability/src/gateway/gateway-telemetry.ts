import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import {
  isGatewayError,
  type Endpoint,
  type LeaseLedger,
  type ProxyObserver,
  type RequestObserver,
  type UsageRecord,
} from '@tollgate/gateway-core';
import type { Logger } from 'pino';
import type { TollgateMetrics } from '../metrics/metrics';

/** Admission refusals counted as such (everything else is a plain error status). */
const ADMISSION_REJECTIONS = new Set(['insufficient_quota', 'spend_limit_reached', 'rate_limited']);

/** Request spans kept for their later ledger-append child; bounded so a stuck ledger cannot grow it. */
const MAX_PENDING_SPAN_CONTEXTS = 50_000;

const ENDPOINT_PATHS: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
};

interface Counter1 {
  inc(): void;
}
interface Observe1 {
  observe(value: number): void;
}

/** Nested maps of pre-bound prom-client children: label lookups without building a key string. */
class Children<T> {
  private readonly map = new Map<string, Map<string, Map<string, T>>>();
  constructor(private readonly make: (a: string, b: string, c: string) => T) {}

  get(a: string, b: string, c = ''): T {
    let m1 = this.map.get(a);
    if (!m1) this.map.set(a, (m1 = new Map()));
    let m2 = m1.get(b);
    if (!m2) m1.set(b, (m2 = new Map()));
    let child = m2.get(c);
    if (!child) m2.set(c, (child = this.make(a, b, c)));
    return child;
  }
}

export interface GatewayTelemetryOptions {
  metrics: TollgateMetrics;
  /** Receives one `request` line per /v1 request. */
  logger: Logger;
  /** Null when tracing is off: then no span is ever created. */
  tracer: Tracer | null;
}

/**
 * Everything the gateway reports about its requests: the proxy observer (metrics, one log line per
 * request, the request and attempt spans) and a lease-ledger wrapper (usage flushed, ledger-append
 * spans as children of each request's span).
 */
export class GatewayTelemetry implements ProxyObserver {
  readonly metrics: TollgateMetrics;
  readonly logger: Logger;
  readonly tracer: Tracer | null;
  private readonly requests: Children<Counter1>;
  private readonly latency: Children<Observe1>;
  private readonly firstToken: Children<Observe1>;
  private readonly fallbacks: Children<{ inc(n: number): void }>;
  private readonly rejections: Children<Counter1>;
  private readonly leaseOps: Children<Counter1>;
  /** requestId → its span, until the usage append that charges it. */
  private readonly spanOfRequest = new Map<string, SpanContext>();

  constructor(options: GatewayTelemetryOptions) {
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.tracer = options.tracer;
    const m = this.metrics;
    this.requests = new Children((alias, deployment, status) =>
      m.gatewayRequests.labels(alias, deployment, status),
    );
    this.latency = new Children((deployment, outcome) => m.upstreamLatency.labels(deployment, outcome));
    this.firstToken = new Children((deployment) => m.timeToFirstToken.labels(deployment));
    this.fallbacks = new Children((alias) => m.fallbacks.labels(alias));
    this.rejections = new Children((reason) => m.admissionRejections.labels(reason));
    this.leaseOps = new Children((operation) => m.leaseEvents.labels(operation));
  }

  request(requestId: string, endpoint: Endpoint, startedAt: number): RequestObserver {
    return new RequestObservation(this, requestId, endpoint, startedAt);
  }

  /** Wraps the ledger the lease admission appends through: counts usage appended, traces each append. */
  observeLedger(ledger: LeaseLedger): LeaseLedger {
    return {
      reserve: async (accountId, leaseId, amount, ttlMs) => {
        try {
          const outcome = await ledger.reserve(accountId, leaseId, amount, ttlMs);
          this.leaseOps.get(outcome, '').inc();
          return outcome;
        } catch (err) {
          this.leaseOps.get('failed', '').inc();
          throw err;
        }
      },
      settle: async (accountId, leaseId, spent, count) => {
        try {
          await ledger.settle(accountId, leaseId, spent, count);
          this.leaseOps.get('settled', '').inc();
        } catch (err) {
          this.leaseOps.get('failed', '').inc();
          throw err;
        }
      },
      recordUsage: async (accountId, leaseId, leaseAmount, records) => {
        const spans = this.tracer ? this.appendSpans(records) : null;
        try {
          await ledger.recordUsage(accountId, leaseId, leaseAmount, records);
          this.metrics.usageFlushed.inc(records.length);
          if (spans) for (const s of spans) s.end();
        } catch (err) {
          this.metrics.usageFlushFailures.inc();
          if (spans)
            for (const s of spans) {
              s.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
              s.end();
            }
          throw err;
        }
      },
    };
  }

  /** One `ledger.append_usage` span per record, each a child of its request's span. */
  private appendSpans(records: readonly UsageRecord[]): Span[] {
    const tracer = this.tracer!;
    const spans: Span[] = [];
    for (const r of records) {
      const parent = this.spanOfRequest.get(r.requestId);
      this.spanOfRequest.delete(r.requestId);
      const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      spans.push(
        tracer.startSpan(
          'ledger.append_usage',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'tollgate.request_id': r.requestId,
              'tollgate.batch_size': records.length,
              'tollgate.charge_nanocredits': r.priceNanocredits.toString(),
            },
          },
          ctx,
        ),
      );
    }
    return spans;
  }

  /** @internal */
  rememberSpan(requestId: string, ctx: SpanContext): void {
    if (this.spanOfRequest.size >= MAX_PENDING_SPAN_CONTEXTS) {
      const oldest = this.spanOfRequest.keys().next().value;
      if (oldest !== undefined) this.spanOfRequest.delete(oldest);
    }
    this.spanOfRequest.set(requestId, ctx);
  }

  /** @internal */
  count(alias: string, deployment: string, status: number): void {
    this.requests.get(alias, deployment, statusLabel(status)).inc();
  }
  /** @internal */
  attemptLatency(deployment: string, outcome: string, seconds: number): void {
    this.latency.get(deployment, outcome).observe(seconds);
  }
  /** @internal */
  firstTokenLatency(deployment: string, seconds: number): void {
    this.firstToken.get(deployment, '').observe(seconds);
  }
  /** @internal */
  fallback(alias: string, n: number): void {
    this.fallbacks.get(alias, '').inc(n);
  }
  /** @internal */
  rejected(reason: string): void {
    this.rejections.get(reason, '').inc();
  }
}

const STATUS_LABELS = new Map<number, string>();
function statusLabel(status: number): string {
  let label = STATUS_LABELS.get(status);
  if (label === undefined) STATUS_LABELS.set(status, (label = String(status)));
  return label;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One request's observations: a few fields, no allocation beyond this object (and spans when on). */
class RequestObservation implements RequestObserver {
  private deployment = 'none';
  private attempts = 0;
  private attemptStartedAt = 0;
  private firstByteSeen = false;
  private record: UsageRecord | null = null;
  private readonly span: Span | null;
  private attemptSpan: Span | null = null;

  constructor(
    private readonly t: GatewayTelemetry,
    private readonly requestId: string,
    private readonly endpoint: Endpoint,
    private readonly startedAt: number,
  ) {
    this.span = t.tracer
      ? t.tracer.startSpan(`POST ${ENDPOINT_PATHS[endpoint]}`, {
          kind: SpanKind.SERVER,
          startTime: performance.timeOrigin + startedAt,
          attributes: {
            'http.request.method': 'POST',
            'url.path': ENDPOINT_PATHS[endpoint],
            'tollgate.request_id': requestId,
          },
        })
      : null;
  }

  attempt(deploymentId: string, providerId: string): void {
    this.attempts++;
    this.deployment = deploymentId;
    this.firstByteSeen = false;
    this.attemptStartedAt = performance.now();
    if (this.span)
      this.attemptSpan = this.t.tracer!.startSpan(
        'gateway.upstream_attempt',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'tollgate.deployment': deploymentId,
            'tollgate.provider': providerId,
            'tollgate.attempt': this.attempts,
          },
        },
        trace.setSpan(ROOT_CONTEXT, this.span),
      );
  }

  firstByte(): void {
    if (this.firstByteSeen) return;
    this.firstByteSeen = true;
    this.t.firstTokenLatency(this.deployment, (performance.now() - this.attemptStartedAt) / 1000);
  }

  attemptEnded(outcome: string): void {
    this.t.attemptLatency(this.deployment, outcome, (performance.now() - this.attemptStartedAt) / 1000);
    if (this.attemptSpan) {
      this.attemptSpan.setAttribute('tollgate.outcome', outcome);
      if (outcome !== 'succeeded' && outcome !== 'client_cancelled')
        this.attemptSpan.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      this.attemptSpan.end();
      this.attemptSpan = null;
    }
  }

  settled(record: UsageRecord): void {
    this.record = record;
    if (this.span) this.t.rememberSpan(this.requestId, this.span.spanContext());
  }

  end(httpStatus: number, error: unknown): void {
    const r = this.record;
    const alias = r?.alias ?? 'none';
    const deployment = r?.deployment ?? 'none';
    this.t.count(alias, deployment, httpStatus);
    if (this.attempts > 1) this.t.fallback(alias, this.attempts - 1);
    const code = isGatewayError(error) ? error.code : error ? 'internal_error' : undefined;
    if (code && ADMISSION_REJECTIONS.has(code)) this.t.rejected(code);
    const latencyMs = Math.round(performance.now() - this.startedAt);
    // Ids, routing, counts and the charge only: never a key, a header, a prompt or a completion.
    if (this.t.logger.isLevelEnabled('info'))
      this.t.logger.info(
        {
          requestId: this.requestId,
          endpoint: this.endpoint,
          workspaceId: r?.workspaceId,
          apiKeyId: r?.apiKeyId,
          alias: r?.alias,
          deployment: r?.deployment,
          upstreamModel: r?.upstreamModel,
          status: httpStatus,
          outcome: r?.status ?? 'rejected',
          errorCode: code,
          promptTokens: r?.promptTokens,
          completionTokens: r?.completionTokens,
          cachedTokens: r?.cachedTokens,
          reasoningTokens: r?.reasoningTokens,
          tokensEstimated: r?.estimated,
          chargeNanocredits: r?.priceNanocredits.toString(),
          attempts: this.attempts,
          latencyMs,
        },
        'request',
      );
    if (this.span) {
      this.span.setAttributes({
        'http.response.status_code': httpStatus,
        'tollgate.alias': alias,
        'tollgate.deployment': deployment,
        'tollgate.attempts': this.attempts,
      });
      if (r) {
        this.span.setAttribute('tollgate.workspace_id', r.workspaceId);
        this.span.setAttribute('tollgate.charge_nanocredits', r.priceNanocredits.toString());
      }
      if (httpStatus >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      this.span.end();
    }
  }
}
