import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { Pool } from 'pg';
import { migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import { parseCredits } from '@tollgate/money';
import { LEDGER_PROJECTIONS, rebuildProjections, replayAccount } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
// The projections lib's own valid ledger events (test fixture; read, not changed).
import { LedgerEvents } from '../../../projections/src/testing/ledger-fixtures';
import { writeStatementCsv } from './statement-csv';
import { statementFromReadModel } from './statement-source';

const C = 1_000_000_000n;

async function csvFor(pool: Pool, accountId: string, from: Date, to: Date) {
  const source = await statementFromReadModel(pool, accountId, from, to);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const totals = await writeStatementCsv(
    {
      accountId,
      periodStart: from,
      periodEnd: to,
      openingBalanceNanocredits: source.openingBalanceNanocredits,
      lines: source.lines,
    },
    sink,
  );
  sink.end();
  const records: string[][] = parse(Buffer.concat(chunks).toString('utf8'));
  return { totals, records };
}

function money(cell: string): bigint {
  return cell === '' ? 0n : parseCredits(cell);
}

describe('CSV statements reconciled with the ledger read models and replay', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let mid: Date;
  const start = new Date('2020-01-01T00:00:00Z');
  const end = new Date('2100-01-01T00:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 6 });
    await migrateEventStore(pool);
    store = new PostgresEventStore({ pool, log: () => undefined });
    const ev = new LedgerEvents();
    await store.append(
      'account-a',
      [ev.opened('a'), ev.purchased('a', 1000n * C, 'pay-a1'), ev.leaseReserved('a', 'l1', 100n * C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append('account-b', [ev.opened('b'), ev.granted('b', 5n * C)], {
      expectedRevision: 'no_stream',
    });
    await store.append(
      'usage-a-l1',
      Array.from({ length: 40 }, (_, i) => ev.usage('a', 'l1', { priceNanocredits: 1_000_003n + BigInt(i) })),
      { expectedRevision: 'no_stream' },
    );
    await new Promise((r) => setTimeout(r, 50));
    mid = new Date();
    await new Promise((r) => setTimeout(r, 50));
    await store.append('account-a', [ev.granted('a', 7n * C), ev.refunded('a', 300n * C, 'pay-a1')], {
      expectedRevision: 2n,
    });
    const results = await rebuildProjections(pool, store, LEDGER_PROJECTIONS);
    expect(results.every((r) => r.ok)).toBe(true);
  }, 30_000);

  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await db?.drop();
  });

  it('given an account history, when its CSV statement is written from statement_lines and parsed back, then lines, totals and closing balance equal the balances read model and the replay', async () => {
    const { totals, records } = await csvFor(pool, 'a', start, end);
    const [, opening, ...rest] = records;
    const closing = rest.pop() as string[];
    expect(money(opening[6])).toBe(0n);
    const sumIn = rest.reduce((s, r) => s + money(r[4]), 0n);
    const sumOut = rest.reduce((s, r) => s + money(r[5]), 0n);
    expect(money(closing[4])).toBe(sumIn);
    expect(money(closing[5])).toBe(sumOut);
    expect(money(closing[6])).toBe(sumIn - sumOut);

    const { rows } = await pool.query<{ posted_nanocredits: string }>(
      `SELECT posted_nanocredits FROM balances WHERE account_id = 'a'`,
    );
    expect(money(closing[6])).toBe(BigInt(rows[0].posted_nanocredits));
    const replay = await replayAccount(store, pool, 'a');
    expect(replay.differences).toEqual([]);
    expect(money(closing[6])).toBe(replay.totals.postedNanocredits);
    expect(rest).toHaveLength(replay.totals.statementLines);
    expect(totals.lineCount).toBe(replay.totals.statementLines);
    expect(totals.closingBalanceNanocredits).toBe(
      1000n * C - 300n * C + 7n * C - replay.totals.usagePriceNanocredits,
    );
  });

  it('given two consecutive periods, when both statements are written, then the first closing balance is the second opening balance and their lines add up to the whole', async () => {
    const first = await csvFor(pool, 'a', start, mid);
    const second = await csvFor(pool, 'a', mid, end);
    const whole = await csvFor(pool, 'a', start, end);
    expect(second.totals.openingBalanceNanocredits).toBe(first.totals.closingBalanceNanocredits);
    expect(second.totals.closingBalanceNanocredits).toBe(whole.totals.closingBalanceNanocredits);
    expect(first.totals.lineCount + second.totals.lineCount).toBe(whole.totals.lineCount);
    expect(second.totals.lineCount).toBe(2);
  });

  it('given another account, when its statement is written, then it holds only its own lines', async () => {
    const { records, totals } = await csvFor(pool, 'b', start, end);
    expect(totals.closingBalanceNanocredits).toBe(5n * C);
    expect(records.slice(2, -1).map((r) => r[1])).toEqual([expect.any(String)]);
  });
});
