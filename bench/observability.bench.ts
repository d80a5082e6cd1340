// CPU the /v1 observer adds per request (metrics with pre-bound children, the request log line, spans
// off). Prints JSON lines; the last is the summary:
// {"bench":"observability","metrics_us":N,"metrics_and_log_us":N}
// Run: npm run build && node dist/bench/observability.bench.js
import type { UsageRecord } from '@tollgate/gateway-core';
import { createLogger, GatewayTelemetry, TollgateMetrics } from '@tollgate/observability';
import pino from 'pino';

const WARMUP = 20_000;
const REQUESTS = Number(process.env.BENCH_OBSERVED_REQUESTS ?? 200_000);

const record: UsageRecord = {
  requestId: 'req_0',
  accountId: 'acct-1',
  workspaceId: 'ws-1',
  apiKeyId: 'key_1',
  alias: 'chat',
  provider: 'prov-a',
  deployment: 'dep-a',
  upstreamModel: 'gpt-x',
  promptTokens: 120,
  cachedTokens: 0,
  completionTokens: 70,
  reasoningTokens: 0,
  estimated: false,
  providerCostNanocredits: 1_000n,
  priceNanocredits: 1_400n,
  latencyMs: 3,
  status: 'succeeded',
  attempts: [],
  occurredAt: new Date(),
};

/** µs of CPU per observed request (request → attempt → first byte → settled → end). */
function measure(level: 'silent' | 'info'): number {
  const telemetry = new GatewayTelemetry({
    metrics: new TollgateMetrics({ defaultMetrics: false }),
    logger: createLogger({
      level,
      service: 'bench',
      destination: pino.destination({ dest: '/dev/null', sync: true }),
      redact: false,
    }).child({ component: 'gateway' }),
    tracer: null,
  });
  const once = (i: number): void => {
    const obs = telemetry.request(`req_${i}`, 'chat', performance.now());
    obs.attempt('dep-a', 'prov-a');
    obs.firstByte();
    obs.attemptEnded('succeeded');
    obs.settled(record);
    obs.end(200, null);
  };
  for (let i = 0; i < WARMUP; i++) once(i);
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) once(i);
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) / REQUESTS) * 100) / 100;
}

const metricsUs = measure('silent');
console.log(JSON.stringify({ phase: 'metrics only', us_per_request: metricsUs }));
const withLogUs = measure('info');
console.log(JSON.stringify({ phase: 'metrics and request log line', us_per_request: withLogUs }));
console.log(JSON.stringify({ bench: 'observability', metrics_us: metricsUs, metrics_and_log_us: withLogUs }));
