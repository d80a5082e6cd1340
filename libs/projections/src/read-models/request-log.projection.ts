import { formatPosition } from '@tollgate/event-store';
import type { AnyProjection, DecodedEvent, ProjectionContext } from '../runtime/projection';
import { ledgerFact, USAGE_EVENT_TYPES, type LedgerFact, type UsageFact } from './facts';
import { bulkInsert, type Column } from './sql';

interface LogRow {
  u: UsageFact;
  eventId: string;
  position: string;
  recordedAt: Date;
}

const columns: Column<LogRow>[] = [
  { name: 'event_id', type: 'uuid', value: (r) => r.eventId },
  { name: 'request_id', type: 'text', value: (r) => r.u.requestId },
  { name: 'account_id', type: 'text', value: (r) => r.u.accountId },
  { name: 'lease_id', type: 'text', value: (r) => r.u.leaseId },
  { name: 'api_key_id', type: 'text', value: (r) => r.u.apiKeyId },
  { name: 'alias', type: 'text', value: (r) => r.u.alias },
  { name: 'provider', type: 'text', value: (r) => r.u.provider },
  { name: 'deployment', type: 'text', value: (r) => r.u.deployment },
  { name: 'model', type: 'text', value: (r) => r.u.model },
  { name: 'prompt_tokens', type: 'bigint', value: (r) => r.u.promptTokens },
  { name: 'completion_tokens', type: 'bigint', value: (r) => r.u.completionTokens },
  { name: 'cached_tokens', type: 'bigint', value: (r) => r.u.cachedTokens },
  { name: 'reasoning_tokens', type: 'bigint', value: (r) => r.u.reasoningTokens },
  { name: 'cost_nanocredits', type: 'bigint', value: (r) => r.u.costNanocredits.toString() },
  { name: 'price_nanocredits', type: 'bigint', value: (r) => r.u.priceNanocredits.toString() },
  { name: 'balance_impact_nanocredits', type: 'bigint', value: (r) => (-r.u.priceNanocredits).toString() },
  { name: 'status', type: 'text', value: (r) => r.u.status },
  { name: 'latency_ms', type: 'integer', value: (r) => r.u.latencyMs },
  { name: 'attempts', type: 'integer', value: (r) => r.u.attempts },
  { name: 'estimated', type: 'boolean', value: (r) => r.u.estimated },
  { name: 'occurred_at', type: 'timestamptz', value: (r) => r.u.occurredAt ?? r.recordedAt },
  { name: 'position', type: 'text', value: (r) => r.position },
];

/** One row per UsageRecorded: what was called, what it cost us, what it cost the customer. */
export const requestLogProjection: AnyProjection = {
  name: 'request_log',
  version: 1,
  tables: [
    {
      base: 'request_log',
      orderBy: 'event_id',
      ddl: (t) => [
        `CREATE TABLE ${t('request_log')} (
           event_id uuid PRIMARY KEY,
           request_id text NOT NULL,
           account_id text NOT NULL,
           lease_id text NOT NULL,
           api_key_id text,
           alias text,
           provider text,
           deployment text,
           model text,
           prompt_tokens bigint NOT NULL,
           completion_tokens bigint NOT NULL,
           cached_tokens bigint NOT NULL,
           reasoning_tokens bigint NOT NULL,
           cost_nanocredits bigint NOT NULL,
           price_nanocredits bigint NOT NULL,
           balance_impact_nanocredits bigint NOT NULL,
           status text NOT NULL,
           latency_ms integer,
           attempts integer,
           estimated boolean NOT NULL,
           occurred_at timestamptz NOT NULL,
           position text NOT NULL
         )`,
      ],
      indexes: (t) => [
        `CREATE INDEX ${t('request_log')}_account_time ON ${t('request_log')} (account_id, occurred_at)`,
      ],
    },
  ],
  handles: (type) => USAGE_EVENT_TYPES.has(type),
  eventTypes: [...USAGE_EVENT_TYPES],
  decode: ledgerFact,
  async projectBatch(events: readonly DecodedEvent<LedgerFact>[], ctx: ProjectionContext) {
    const rows: LogRow[] = [];
    for (const { event: f, recorded } of events)
      if (f.kind === 'usage')
        rows.push({
          u: f,
          eventId: recorded.id,
          position: formatPosition(recorded.position),
          recordedAt: recorded.recordedAt,
        });
    return bulkInsert(ctx.t('request_log'), columns, rows);
  },
};
