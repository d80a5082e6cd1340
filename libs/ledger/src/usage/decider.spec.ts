import { isDomainError } from '@tollgate/event-store';
import { commandFingerprint, dataFingerprint } from '../idempotency';
import { DeciderSpecification } from '../testing/decider-specification';
import { CloseUsageStream, RecordUsageBatch, UsageCommand, UsageRecordInput } from './commands';
import { MAX_USAGE_PER_STREAM, usageDecider, UsageState } from './decider';
import { parseUsageEvent, UsageEvent, UsageRecorded } from './events';

const spec = DeciderSpecification(usageDecider, { parse: parseUsageEvent });
const T0 = '2026-01-01T00:00:00.000Z';

const record = (o: Partial<UsageRecordInput> = {}): UsageRecordInput => ({
  requestId: 'req-1',
  workspaceId: 'ws-1',
  apiKeyId: 'key-1',
  alias: 'fast',
  provider: 'openai',
  deployment: 'openai-main',
  upstreamModel: 'gpt-4o-mini',
  promptTokens: 1000,
  cachedTokens: 200,
  completionTokens: 500,
  reasoningTokens: 100,
  estimated: false,
  providerCostNanocredits: 300n,
  priceNanocredits: 450n,
  latencyMs: 420,
  status: 'succeeded',
  attempts: [{ deployment: 'openai-main', provider: 'openai', status: 'succeeded', latencyMs: 410 }],
  occurredAt: T0,
  ...o,
});
const batch = (records: UsageRecordInput[], o: Partial<RecordUsageBatch> = {}): RecordUsageBatch => ({
  type: 'RecordUsageBatch',
  accountId: 'acc-1',
  leaseId: 'lease-1',
  leaseAmountNanocredits: 1000n,
  records,
  ...o,
});
const close = (o: Partial<CloseUsageStream> = {}): CloseUsageStream => ({
  type: 'CloseUsageStream',
  accountId: 'acc-1',
  leaseId: 'lease-1',
  reason: 'settled',
  idempotencyKey: 'close-lease-1',
  now: '2026-01-01T00:00:30.000Z',
  ...o,
});

function history(...commands: UsageCommand[]): UsageEvent[] {
  let state: UsageState = usageDecider.initialState();
  const out: UsageEvent[] = [];
  for (const c of commands) {
    const r = usageDecider.decide(c, state);
    if (isDomainError(r)) throw new Error(`history: ${c.type} rejected: ${r.code}`);
    for (const e of r) {
      state = usageDecider.evolve(state, e);
      out.push(e);
    }
  }
  return out;
}

function expectedUsage(r: UsageRecordInput): UsageEvent {
  const data = {
    requestId: r.requestId,
    accountId: 'acc-1',
    leaseId: 'lease-1',
    workspaceId: r.workspaceId,
    apiKeyId: r.apiKeyId,
    alias: r.alias,
    provider: r.provider,
    deployment: r.deployment,
    upstreamModel: r.upstreamModel,
    promptTokens: r.promptTokens,
    cachedTokens: r.cachedTokens,
    completionTokens: r.completionTokens,
    reasoningTokens: r.reasoningTokens,
    estimated: r.estimated,
    providerCostNanocredits: r.providerCostNanocredits.toString(),
    priceNanocredits: r.priceNanocredits.toString(),
    latencyMs: r.latencyMs,
    status: r.status,
    attempts: r.attempts,
    occurredAt: r.occurredAt,
  };
  return { type: 'UsageRecorded', data: { ...data, fingerprint: dataFingerprint(data) } };
}

describe('usage decider', () => {
  describe('RecordUsageBatch', () => {
    it('given an empty usage stream, when a batch of two requests, then one UsageRecorded per request', () => {
      const a = record();
      const b = record({ requestId: 'req-2', priceNanocredits: 0n, status: 'failed', attempts: [] });
      spec
        .given([])
        .when(batch([a, b]))
        .then([expectedUsage(a), expectedUsage(b)]);
    });

    it('given a recorded request, when the same request is sent again identically, then nothing', () => {
      spec
        .given(history(batch([record()])))
        .when(batch([record()]))
        .thenNothing();
    });

    it('given a recorded request, when a batch repeats it plus a new one, then only the new one is recorded', () => {
      const fresh = record({ requestId: 'req-2' });
      spec
        .given(history(batch([record()])))
        .when(batch([record(), fresh]))
        .then([expectedUsage(fresh)]);
    });

    it('given a recorded request, when the same request id comes with another price, then IDEMPOTENCY_CONFLICT', () => {
      spec
        .given(history(batch([record()])))
        .when(batch([record({ priceNanocredits: 451n })]))
        .thenThrows('IDEMPOTENCY_CONFLICT', { requestId: 'req-1' });
    });

    it('given an empty stream, when one batch holds the same request twice with different data, then IDEMPOTENCY_CONFLICT', () => {
      spec
        .given([])
        .when(batch([record(), record({ latencyMs: 1 })]))
        .thenThrows('IDEMPOTENCY_CONFLICT');
    });

    it('given an empty stream, when one batch holds the same request twice identically, then it is recorded once', () => {
      spec
        .given([])
        .when(batch([record(), record()]))
        .then([expectedUsage(record())]);
    });

    it('given 600 of a 1000 lease spent, when a 401 charge arrives, then USAGE_EXCEEDS_LEASE (spent ≤ leased)', () => {
      spec
        .given(history(batch([record({ priceNanocredits: 600n })])))
        .when(batch([record({ requestId: 'req-2', priceNanocredits: 401n })]))
        .thenThrows('USAGE_EXCEEDS_LEASE', {
          leaseNanocredits: '1000',
          spentNanocredits: '600',
          requestId: 'req-2',
        });
    });

    it('given 600 of a 1000 lease spent, when a 400 charge arrives, then it is recorded (exactly the lease)', () => {
      spec
        .given(history(batch([record({ priceNanocredits: 600n })])))
        .when(batch([record({ requestId: 'req-2', priceNanocredits: 400n })]))
        .thenTypes(['UsageRecorded']);
    });

    it('given an empty stream, when a charge is negative, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(batch([record({ priceNanocredits: -1n })]))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an empty stream, when a failed request is charged, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(batch([record({ status: 'failed', priceNanocredits: 5n })]))
        .thenThrows('INVALID_COMMAND', { requestId: 'req-1' });
    });

    it('given an empty stream, when a client-cancelled request is charged for what was delivered, then it is recorded', () => {
      const r = record({
        status: 'client_cancelled',
        completionTokens: 20,
        reasoningTokens: 0,
        priceNanocredits: 40n,
      });
      spec
        .given([])
        .when(batch([r]))
        .then([expectedUsage(r)]);
    });

    it('given an empty stream, when cached tokens exceed prompt tokens, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(batch([record({ cachedTokens: 1001 })]))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an empty stream, when reasoning tokens exceed completion tokens, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(batch([record({ reasoningTokens: 501 })]))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an empty stream, when a batch is empty, then INVALID_COMMAND', () => {
      spec.given([]).when(batch([])).thenThrows('INVALID_COMMAND');
    });

    it('given an empty stream, when a batch exceeds 100 records, then INVALID_COMMAND', () => {
      const many = Array.from({ length: 101 }, (_, i) =>
        record({ requestId: `r-${i}`, priceNanocredits: 0n }),
      );
      spec.given([]).when(batch(many)).thenThrows('INVALID_COMMAND');
    });

    it('given a closed stream, when more usage arrives, then USAGE_STREAM_CLOSED', () => {
      spec
        .given(history(batch([record()]), close()))
        .when(batch([record({ requestId: 'req-2' })]))
        .thenThrows('USAGE_STREAM_CLOSED', { reason: 'settled' });
    });

    it(`given a stream with ${MAX_USAGE_PER_STREAM} requests, when one more arrives, then USAGE_STREAM_FULL`, () => {
      const template = expectedUsage(record({ priceNanocredits: 0n }));
      const full: UsageEvent[] = Array.from({ length: MAX_USAGE_PER_STREAM }, (_, i) => ({
        type: 'UsageRecorded',
        data: { ...(template.data as UsageRecorded), requestId: `r-${i}` },
      }));
      spec
        .given(full)
        .when(batch([record({ requestId: 'one-more', priceNanocredits: 0n })]))
        .thenThrows('USAGE_STREAM_FULL');
    });
  });

  describe('CloseUsageStream', () => {
    it('given two charged requests, when closed for settlement, then UsageStreamClosed with their sum and count', () => {
      const c = close();
      spec
        .given(history(batch([record(), record({ requestId: 'req-2', priceNanocredits: 50n })])))
        .when(c)
        .then([
          {
            type: 'UsageStreamClosed',
            data: {
              accountId: 'acc-1',
              leaseId: 'lease-1',
              spentNanocredits: '500',
              usageCount: 2,
              reason: 'settled',
              closedAt: '2026-01-01T00:00:30.000Z',
              idempotencyKey: 'close-lease-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given an empty stream, when closed for expiry, then UsageStreamClosed with zero spent', () => {
      const [e] = spec
        .given([])
        .when(close({ reason: 'expired' }))
        .thenTypes(['UsageStreamClosed']);
      expect(e.data).toMatchObject({ spentNanocredits: '0', usageCount: 0, reason: 'expired' });
    });

    it('given a stream closed for settlement, when closed again for settlement, then nothing', () => {
      spec
        .given(history(batch([record()]), close()))
        .when(close({ idempotencyKey: 'other', now: '2026-01-01T00:09:00.000Z' }))
        .thenNothing();
    });

    it('given a stream closed for expiry, when the holder closes it for settlement, then USAGE_STREAM_CLOSED', () => {
      spec
        .given(history(batch([record()]), close({ reason: 'expired' })))
        .when(close())
        .thenThrows('USAGE_STREAM_CLOSED', { reason: 'expired' });
    });

    it('given an empty stream, when closed with an unknown reason, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(close({ reason: 'bored' as 'settled' }))
        .thenThrows('INVALID_COMMAND');
    });
  });
});
