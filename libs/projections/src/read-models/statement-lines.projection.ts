import { formatPosition } from '@tollgate/event-store';
import type { AnyProjection, DecodedEvent, ProjectionContext } from '../runtime/projection';
import { FACT_EVENT_TYPES, ledgerFact, statementEntry, type LedgerFact, type StatementEntry } from './facts';
import { bulkInsert, type Column } from './sql';

interface Head {
  accountId: string;
  lines: bigint;
  balance: bigint;
}

interface Line {
  accountId: string;
  lineNo: bigint;
  entry: StatementEntry;
  balanceAfter: bigint;
  eventId: string;
  eventType: string;
  position: string;
  occurredAt: Date;
}

const lineColumns: Column<Line>[] = [
  { name: 'account_id', type: 'text', value: (l) => l.accountId },
  { name: 'line_no', type: 'bigint', value: (l) => l.lineNo.toString() },
  { name: 'entry_type', type: 'text', value: (l) => l.entry.entryType },
  { name: 'description', type: 'text', value: (l) => l.entry.description },
  { name: 'reference', type: 'text', value: (l) => l.entry.reference },
  { name: 'amount_nanocredits', type: 'bigint', value: (l) => l.entry.amountNanocredits.toString() },
  { name: 'balance_after_nanocredits', type: 'bigint', value: (l) => l.balanceAfter.toString() },
  { name: 'event_id', type: 'uuid', value: (l) => l.eventId },
  { name: 'event_type', type: 'text', value: (l) => l.eventType },
  { name: 'position', type: 'text', value: (l) => l.position },
  { name: 'occurred_at', type: 'timestamptz', value: (l) => l.occurredAt },
];

const headColumns: Column<Head>[] = [
  { name: 'account_id', type: 'text', value: (h) => h.accountId },
  { name: 'lines', type: 'bigint', value: (h) => h.lines.toString() },
  { name: 'balance_nanocredits', type: 'bigint', value: (h) => h.balance.toString() },
];

/**
 * One line per balance-affecting event (purchase, grant, refund, adjustment, priced usage) with the
 * running posted balance after it, so the lines of an account sum to its posted balance exactly. The
 * running balance is this projection's own state (an internal heads table), never another projection's.
 */
export const statementLinesProjection: AnyProjection = {
  name: 'statement_lines',
  version: 1,
  tables: [
    {
      base: 'statement_lines',
      orderBy: 'account_id, line_no',
      ddl: (t) => [
        `CREATE TABLE ${t('statement_lines')} (
           account_id text NOT NULL,
           line_no bigint NOT NULL,
           entry_type text NOT NULL,
           description text,
           reference text,
           amount_nanocredits bigint NOT NULL,
           balance_after_nanocredits bigint NOT NULL,
           event_id uuid NOT NULL,
           event_type text NOT NULL,
           position text NOT NULL,
           occurred_at timestamptz NOT NULL,
           PRIMARY KEY (account_id, line_no)
         )`,
      ],
      indexes: (t) => [
        `CREATE UNIQUE INDEX ${t('statement_lines')}_event ON ${t('statement_lines')} (event_id)`,
      ],
    },
    {
      base: 'statement_heads',
      orderBy: 'account_id',
      internal: true,
      ddl: (t) => [
        `CREATE TABLE ${t('statement_heads')} (
           account_id text PRIMARY KEY,
           lines bigint NOT NULL,
           balance_nanocredits bigint NOT NULL
         )`,
      ],
    },
  ],
  handles: (type) => FACT_EVENT_TYPES.has(type),
  eventTypes: [...FACT_EVENT_TYPES],
  decode: ledgerFact,
  async projectBatch(events: readonly DecodedEvent<LedgerFact>[], ctx: ProjectionContext) {
    const entries: { entry: StatementEntry; e: DecodedEvent<LedgerFact> }[] = [];
    for (const e of events) {
      const entry = statementEntry(e.event);
      if (entry) entries.push({ entry, e });
    }
    if (entries.length === 0) return [];
    const accountIds = [...new Set(entries.map((x) => x.e.event.accountId))];
    const heads = new Map<string, Head>();
    for (const r of await ctx.query<{ account_id: string; lines: string; balance_nanocredits: string }>(
      `SELECT * FROM ${ctx.t('statement_heads')} WHERE account_id = ANY($1)`,
      [accountIds],
    ))
      heads.set(r.account_id, {
        accountId: r.account_id,
        lines: BigInt(r.lines),
        balance: BigInt(r.balance_nanocredits),
      });
    const lines: Line[] = [];
    for (const { entry, e } of entries) {
      const accountId = e.event.accountId;
      let h = heads.get(accountId);
      if (!h) {
        h = { accountId, lines: 0n, balance: 0n };
        heads.set(accountId, h);
      }
      h.lines += 1n;
      h.balance += entry.amountNanocredits;
      lines.push({
        accountId,
        lineNo: h.lines,
        entry,
        balanceAfter: h.balance,
        eventId: e.recorded.id,
        eventType: e.recorded.type,
        position: formatPosition(e.recorded.position),
        occurredAt: e.recorded.recordedAt,
      });
    }
    return [
      ...bulkInsert(ctx.t('statement_lines'), lineColumns, lines),
      ...bulkInsert(
        ctx.t('statement_heads'),
        headColumns,
        [...heads.values()],
        'ON CONFLICT (account_id) DO UPDATE SET lines = excluded.lines, balance_nanocredits = excluded.balance_nanocredits',
      ),
    ];
  },
};
