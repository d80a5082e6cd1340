import { Writable } from 'node:stream';
import { GatewayError, type LeaseLedger, type UsageRecord } from '@tollgate/gateway-core';
import { createLogger } from '../logging/logger';
import { TollgateMetrics } from '../metrics/metrics';
import { GatewayTelemetry } from './gateway-telemetry';

class Lines extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  json(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function setup(): { telemetry: GatewayTelemetry; metrics: TollgateMetrics; lines: Lines } {
  const metrics = new TollgateMetrics({ defaultMetrics: false });
  const lines = new Lines();
  const logger = createLogger({ level: 'info', service: 'test', destination: lines });
  return { telemetry: new GatewayTelemetry({ metrics, logger, tracer: null }), metrics, lines };
}

function record(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: 'req_1',
    accountId: 'acct-1',
    workspaceId: 'ws-1',
    apiKeyId: 'key_1',
    alias: 'chat',
    provider: 'prov-a',
    deployment: 'dep-b',
    upstreamModel: 'gpt-x',
    promptTokens: 12,
    cachedTokens: 0,
    completionTokens: 7,
    reasoningTokens: 0,
    estimated: false,
    providerCostNanocredits: 10n,
    priceNanocredits: 15_000n,
    latencyMs: 5,
    status: 'succeeded',
    attempts: [],
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** Histogram series carry the name of their sample (`_count`, `_sum`, `_bucket`). */
const sampleName = (v: object): string | undefined => (v as { metricName?: string }).metricName;

/** Sum of a counter's (or gauge's) values with these labels. */
async function value(
  metrics: TollgateMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((a, v) => a + v.value, 0);
}

describe('GatewayTelemetry (the /v1 observer)', () => {
  it('given a request served after one fallback, then it counts the request by alias/deployment/status, both attempts, the fallback and the first byte', async () => {
    const { telemetry, metrics } = setup();
    const obs = telemetry.request('req_1', 'chat', performance.now());
    obs.attempt('dep-a', 'prov-a');
    obs.attemptEnded('failed');
    obs.attempt('dep-b', 'prov-a');
    obs.firstByte();
    obs.firstByte(); // a second chunk is not a first token
    obs.attemptEnded('succeeded');
    obs.settled(record());
    obs.end(200, null);

    expect(
      await value(metrics, 'tollgate_gateway_requests_total', {
        alias: 'chat',
        deployment: 'dep-b',
        status: '200',
      }),
    ).toBe(1);
    expect(await value(metrics, 'tollgate_gateway_fallbacks_total', { alias: 'chat' })).toBe(1);
    const latency = await metrics.registry
      .getSingleMetric('tollgate_gateway_upstream_latency_seconds')!
      .get();
    const counts = latency.values.filter(
      (v) => sampleName(v) === 'tollgate_gateway_upstream_latency_seconds_count',
    );
    expect(counts.map((v) => [v.labels.deployment, v.labels.outcome, v.value])).toEqual(
      expect.arrayContaining([
        ['dep-a', 'failed', 1],
        ['dep-b', 'succeeded', 1],
      ]),
    );
    const ttft = await metrics.registry
      .getSingleMetric('tollgate_gateway_time_to_first_token_seconds')!
      .get();
    expect(
      ttft.values.find((v) => sampleName(v) === 'tollgate_gateway_time_to_first_token_seconds_count')?.value,
    ).toBe(1);
  });

  it.each([
    ['insufficient_quota', 402],
    ['spend_limit_reached', 402],
    ['rate_limited', 429],
  ] as const)('given a request refused with %s, then it is an admission rejection', async (code, status) => {
    const { telemetry, metrics } = setup();
    telemetry.request('req_2', 'chat', performance.now()).end(status, new GatewayError(code, 'no'));
    expect(await value(metrics, 'tollgate_gateway_admission_rejections_total', { reason: code })).toBe(1);
    expect(
      await value(metrics, 'tollgate_gateway_requests_total', { alias: 'none', status: String(status) }),
    ).toBe(1);
  });

  it('given an upstream error, then it is not an admission rejection', async () => {
    const { telemetry, metrics } = setup();
    telemetry.request('req_3', 'chat', performance.now()).end(502, new GatewayError('upstream_error', 'x'));
    expect(await value(metrics, 'tollgate_gateway_admission_rejections_total')).toBe(0);
  });

  it('writes one log line per request with ids, routing, tokens and the charge as a decimal string', () => {
    const { telemetry, lines } = setup();
    const obs = telemetry.request('req_9', 'chat', performance.now());
    obs.attempt('dep-b', 'prov-a');
    obs.attemptEnded('succeeded');
    obs.settled(record({ requestId: 'req_9', priceNanocredits: 123_456_789_012n }));
    obs.end(200, null);
    const [line] = lines.json();
    expect(lines.json()).toHaveLength(1);
    expect(line).toMatchObject({
      msg: 'request',
      requestId: 'req_9',
      workspaceId: 'ws-1',
      alias: 'chat',
      deployment: 'dep-b',
      status: 200,
      promptTokens: 12,
      completionTokens: 7,
      chargeNanocredits: '123456789012',
    });
  });

  it('given a wrapped lease ledger, then appended usage is counted and failures are counted and rethrown', async () => {
    const { telemetry, metrics } = setup();
    let fail = false;
    const inner: LeaseLedger = {
      reserve: async () => 'reserved',
      settle: async () => undefined,
      recordUsage: async () => {
        if (fail) throw new Error('conflict');
      },
    };
    const ledger = telemetry.observeLedger(inner);
    await ledger.recordUsage('acct-1', 'lease-1', 100n, [record(), record({ requestId: 'req_2' })]);
    expect(await value(metrics, 'tollgate_gateway_usage_events_flushed_total')).toBe(2);
    fail = true;
    await expect(ledger.recordUsage('acct-1', 'lease-1', 100n, [record()])).rejects.toThrow('conflict');
    expect(await value(metrics, 'tollgate_gateway_usage_events_flushed_total')).toBe(2);
    expect(await value(metrics, 'tollgate_gateway_usage_flush_failures_total')).toBe(1);
    expect(await ledger.reserve('acct-1', 'lease-2', 100n, 1000)).toBe('reserved');
    await ledger.settle('acct-1', 'lease-2', 10n, 1);
    expect(await value(metrics, 'tollgate_gateway_lease_operations_total', { operation: 'reserved' })).toBe(
      1,
    );
    expect(await value(metrics, 'tollgate_gateway_lease_operations_total', { operation: 'settled' })).toBe(1);
  });
});
