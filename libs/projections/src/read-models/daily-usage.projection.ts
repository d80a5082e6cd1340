import type { AnyProjection, DecodedEvent, ProjectionContext } from '../runtime/projection';
import { ledgerFact, USAGE_EVENT_TYPES, type LedgerFact } from './facts';
import { bulkInsert, utcDay, type Column } from './sql';

interface DayRow {
  accountId: string;
  apiKeyId: string;
  model: string;
  day: string;
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  cost: bigint;
  price: bigint;
}

const columns: Column<DayRow>[] = [
  { name: 'account_id', type: 'text', value: (r) => r.accountId },
  { name: 'api_key_id', type: 'text', value: (r) => r.apiKeyId },
  { name: 'model', type: 'text', value: (r) => r.model },
  { name: 'day', type: 'date', value: (r) => r.day },
  { name: 'requests', type: 'bigint', value: (r) => r.requests.toString() },
  { name: 'prompt_tokens', type: 'bigint', value: (r) => r.promptTokens.toString() },
  { name: 'completion_tokens', type: 'bigint', value: (r) => r.completionTokens.toString() },
  { name: 'cost_nanocredits', type: 'bigint', value: (r) => r.cost.toString() },
  { name: 'price_nanocredits', type: 'bigint', value: (r) => r.price.toString() },
];

const ADD = ['requests', 'prompt_tokens', 'completion_tokens', 'cost_nanocredits', 'price_nanocredits']
  .map((c) => `${c} = d.${c} + excluded.${c}`)
  .join(', ');

/** Usage per account, API key, model and UTC day; a batch is folded in JS and added in one upsert. */
export const dailyUsageProjection: AnyProjection = {
  name: 'daily_usage',
  version: 1,
  tables: [
    {
      base: 'daily_usage',
      orderBy: 'account_id, api_key_id, model, day',
      ddl: (t) => [
        `CREATE TABLE ${t('daily_usage')} (
           account_id text NOT NULL,
           api_key_id text NOT NULL,
           model text NOT NULL,
           day date NOT NULL,
           requests bigint NOT NULL,
           prompt_tokens bigint NOT NULL,
           completion_tokens bigint NOT NULL,
           cost_nanocredits bigint NOT NULL,
           price_nanocredits bigint NOT NULL,
           PRIMARY KEY (account_id, api_key_id, model, day)
         )`,
      ],
    },
  ],
  handles: (type) => USAGE_EVENT_TYPES.has(type),
  eventTypes: [...USAGE_EVENT_TYPES],
  decode: ledgerFact,
  async projectBatch(events: readonly DecodedEvent<LedgerFact>[], ctx: ProjectionContext) {
    const days = new Map<string, DayRow>();
    for (const { event: f, recorded } of events) {
      if (f.kind !== 'usage') continue;
      const day = utcDay(f.occurredAt ?? recorded.recordedAt);
      const apiKeyId = f.apiKeyId ?? '';
      const model = f.model ?? '';
      const key = `${f.accountId}\u0000${apiKeyId}\u0000${model}\u0000${day}`;
      let r = days.get(key);
      if (!r) {
        r = {
          accountId: f.accountId,
          apiKeyId,
          model,
          day,
          requests: 0n,
          promptTokens: 0n,
          completionTokens: 0n,
          cost: 0n,
          price: 0n,
        };
        days.set(key, r);
      }
      r.requests += 1n;
      r.promptTokens += BigInt(f.promptTokens);
      r.completionTokens += BigInt(f.completionTokens);
      r.cost += f.costNanocredits;
      r.price += f.priceNanocredits;
    }
    const rows = [...days.values()];
    if (rows.length === 0) return [];
    // Alias the target so the increments read the stored row.
    return bulkInsert(
      ctx.t('daily_usage'),
      columns,
      rows,
      `ON CONFLICT (account_id, api_key_id, model, day) DO UPDATE SET ${ADD}`,
      'd',
    );
  },
};
