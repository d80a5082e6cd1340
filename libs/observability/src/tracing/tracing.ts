import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `{endpoint}/v1/traces`. */
  endpoint: string;
  serviceName: string;
  /** How long finished spans may wait before they are sent (batched). */
  exportDelayMs?: number;
}

export interface Tracing {
  tracer: Tracer;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (shutdown). */
  shutdown(): Promise<void>;
}

const DEFAULT_EXPORT_DELAY_MS = 1000;
const EXPORT_TIMEOUT_MS = 5000;
const MAX_QUEUE_SPANS = 4096;

/**
 * Tracing on when an endpoint is configured, off (null) otherwise: with it off no span object is ever
 * created, so the hot path pays nothing. The provider is not registered globally: spans are parented
 * explicitly, so no async context manager runs on every await.
 */
export function startTracing(options: TracingOptions | null): Tracing | null {
  if (!options) return null;
  const exporter = new OTLPTraceExporter({
    url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
    timeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.exportDelayMs ?? DEFAULT_EXPORT_DELAY_MS,
        maxQueueSize: MAX_QUEUE_SPANS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('tollgate'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
