import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { DomainError } from '@tollgate/event-store';
import { formatCredits } from '@tollgate/money';

/**
 * One statement line as the writer needs it. The integrator maps the `statement_lines` read model:
 * occurred_at → occurredAt, entry_type → type, description, reference, amount_nanocredits → amountNanocredits
 * (signed: positive is credits in), balance_after_nanocredits → balanceAfterNanocredits.
 */
export interface StatementLine {
  occurredAt: Date;
  type: string;
  description: string;
  reference: string;
  /** Signed change: > 0 credits in, < 0 credits out. */
  amountNanocredits: bigint;
  /** The read model's running balance; when given it must match the writer's own running sum. */
  balanceAfterNanocredits?: bigint;
}

export interface StatementCsvInput {
  accountId: string;
  /** Inclusive start and exclusive end of the period (UTC instants). */
  periodStart: Date;
  periodEnd: Date;
  openingBalanceNanocredits: bigint;
  lines: AsyncIterable<StatementLine> | Iterable<StatementLine>;
}

export interface StatementTotals {
  lineCount: number;
  creditsInNanocredits: bigint;
  creditsOutNanocredits: bigint;
  openingBalanceNanocredits: bigint;
  closingBalanceNanocredits: bigint;
}

export const STATEMENT_CSV_HEADER = [
  'date',
  'type',
  'description',
  'reference',
  'credits_in',
  'credits_out',
  'running_balance',
] as const;

/** Cells are strings already; an identity cast skips csv-stringify's per-cell type detection. */
const STRINGIFY_OPTIONS = { record_delimiter: '\r\n', cast: { string: (value: string) => value } } as const;

/** Statement lines per stringify call: amortizes the library's per-call cost, keeps memory flat. */
const CHUNK_LINES = 500;
/** A statement is one account over one period; this bounds a runaway export. */
export const MAX_STATEMENT_LINES = 5_000_000;

/**
 * Streams an RFC 4180 CSV statement (CRLF, quoted where needed, by csv-stringify): a header, an opening
 * balance row, one row per line with its running balance, and a closing balance row carrying the
 * period's totals. Amounts are exact decimals with 9 places (nanocredits), never floats.
 */
export async function writeStatementCsv(input: StatementCsvInput, out: Writable): Promise<StatementTotals> {
  if (!(input.periodStart < input.periodEnd))
    throw new DomainError('INVALID_PERIOD', 'the period must start before it ends');
  let balance = input.openingBalanceNanocredits;
  let creditsIn = 0n;
  let creditsOut = 0n;
  let count = 0;
  let rows: string[][] = [
    [...STATEMENT_CSV_HEADER],
    [
      input.periodStart.toISOString(),
      'opening_balance',
      'Opening balance',
      input.accountId,
      '',
      '',
      formatCredits(balance),
    ],
  ];
  const flush = async () => {
    if (rows.length === 0) return;
    const text = stringify(rows, STRINGIFY_OPTIONS);
    rows = [];
    if (!out.write(text)) await once(out, 'drain');
  };
  const addLine = (line: StatementLine): void => {
    if (++count > MAX_STATEMENT_LINES)
      throw new DomainError('STATEMENT_TOO_LONG', `a statement has at most ${MAX_STATEMENT_LINES} lines`);
    const at = line.occurredAt;
    if (at < input.periodStart || at >= input.periodEnd)
      throw new DomainError('LINE_OUTSIDE_PERIOD', 'a statement line lies outside the period', {
        occurredAt: at.toISOString(),
      });
    const amount = line.amountNanocredits;
    balance += amount;
    if (line.balanceAfterNanocredits !== undefined && line.balanceAfterNanocredits !== balance)
      throw new DomainError('STATEMENT_BALANCE_MISMATCH', 'running balance differs from the read model', {
        reference: line.reference,
        expected: balance.toString(),
        readModel: line.balanceAfterNanocredits.toString(),
      });
    let inText = '';
    let outText = '';
    if (amount >= 0n) {
      creditsIn += amount;
      inText = formatCredits(amount);
    } else {
      creditsOut -= amount;
      outText = formatCredits(-amount);
    }
    rows.push([
      at.toISOString(),
      line.type,
      line.description,
      line.reference,
      inText,
      outText,
      formatCredits(balance),
    ]);
  };
  const source = input.lines;
  if (Symbol.asyncIterator in source) {
    for await (const line of source) {
      addLine(line);
      if (rows.length >= CHUNK_LINES) await flush();
    }
  } else {
    // An in-memory iterable: no await per line, only per chunk.
    for (const line of source) {
      addLine(line);
      if (rows.length >= CHUNK_LINES) await flush();
    }
  }
  const lastInstant = new Date(input.periodEnd.getTime() - 1);
  rows.push([
    lastInstant.toISOString(),
    'closing_balance',
    'Closing balance',
    input.accountId,
    formatCredits(creditsIn),
    formatCredits(creditsOut),
    formatCredits(balance),
  ]);
  await flush();
  return {
    lineCount: count,
    creditsInNanocredits: creditsIn,
    creditsOutNanocredits: creditsOut,
    openingBalanceNanocredits: input.openingBalanceNanocredits,
    closingBalanceNanocredits: balance,
  };
}
