import type { IncomingMessage } from 'node:http';
import type { DestinationStream, Logger } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { GatewayTelemetry } from './gateway/gateway-telemetry';
import { createLogger, type LogLevel } from './logging/logger';
import { processMetrics, type TollgateMetrics } from './metrics/metrics';
import { startTracing, type Tracing } from './tracing/tracing';

/** The settings telemetry needs (a subset of the platform's TollgateConfig). */
export interface TelemetryConfig {
  logLevel: LogLevel;
  otelEndpoint?: string;
  otelServiceName?: string;
}

/** Logger, metrics and tracing of one process part (all-in-one, gateway, portal, projector). */
export interface ProcessTelemetry {
  logger: Logger;
  metrics: TollgateMetrics;
  tracing: Tracing | null;
  /** The /v1 observer and lease-ledger wrapper for a gateway served by this process. */
  gateway(): GatewayTelemetry;
  /** Flushes and stops the trace exporter. */
  shutdown(): Promise<void>;
}

export function startProcessTelemetry(
  config: TelemetryConfig,
  service: string,
  options: { logDestination?: DestinationStream; metrics?: TollgateMetrics } = {},
): ProcessTelemetry {
  const logger = createLogger({ level: config.logLevel, service, destination: options.logDestination });
  // The /v1 request log: one line per request from fixed fields (never a header, key or body), so
  // it skips the redaction pass that every other line gets.
  const requestLogger = createLogger({
    level: config.logLevel,
    service,
    destination: options.logDestination,
    redact: false,
  }).child({ component: 'gateway' });
  const metrics = options.metrics ?? processMetrics();
  const tracing = config.otelEndpoint
    ? startTracing({
        endpoint: config.otelEndpoint,
        serviceName: config.otelServiceName ?? `tollgate-${service}`,
      })
    : null;
  let gateway: GatewayTelemetry | undefined;
  return {
    logger,
    metrics,
    tracing,
    gateway: () =>
      (gateway ??= new GatewayTelemetry({
        metrics,
        logger: requestLogger,
        tracer: tracing?.tracer ?? null,
      })),
    shutdown: async () => {
      await tracing?.shutdown().catch(() => undefined);
    },
  };
}

/** Paths with their own log line (/v1: the request log) or none (probes, scrapes). */
const UNLOGGED_PATH = /^\/(v1\/|healthz|readyz|metrics|demo-upstream\/)/;

/**
 * pino-http settings for the Nest routes (portal, admin, webhooks): one line per request with method,
 * path, status and time, no headers and no bodies (cookies and bearer tokens never reach the log).
 */
export function httpLogOptions(logger: Logger): PinoHttpOptions {
  return {
    logger: logger.child({ component: 'http' }),
    // Middleware sees the URL relative to its mount point; the original one names the route.
    autoLogging: {
      ignore: (req: IncomingMessage & { originalUrl?: string }) =>
        UNLOGGED_PATH.test(req.originalUrl ?? req.url ?? ''),
    },
    quietReqLogger: true,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? '').split('?', 1)[0],
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
  };
}
