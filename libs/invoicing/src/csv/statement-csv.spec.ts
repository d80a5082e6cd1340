import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { parseCredits } from '@tollgate/money';
import { demoStatementLines } from '../demo/demo-statement';
import {
  STATEMENT_CSV_HEADER,
  writeStatementCsv,
  type StatementCsvInput,
  type StatementLine,
} from './statement-csv';

const periodStart = new Date('2026-03-01T00:00:00.000Z');
const periodEnd = new Date('2026-04-01T00:00:00.000Z');

async function toCsv(input: StatementCsvInput) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const totals = await writeStatementCsv(input, sink);
  sink.end();
  return { totals, text: Buffer.concat(chunks).toString('utf8') };
}

describe('CSV statements', () => {
  it('given a period of ledger lines, when written and parsed back with csv-parse, then every running balance, the totals and the closing balance reconcile exactly with the lines', async () => {
    const opening = 123_456_789_012n;
    const lines = [
      ...demoStatementLines(3000, { periodStart, periodEnd, seed: 7, openingBalanceNanocredits: opening }),
    ];
    const { totals, text } = await toCsv({
      accountId: 'acct-1',
      periodStart,
      periodEnd,
      openingBalanceNanocredits: opening,
      lines,
    });

    const records: string[][] = parse(text, { relax_column_count: false });
    expect(records[0]).toEqual([...STATEMENT_CSV_HEADER]);
    expect(records).toHaveLength(lines.length + 3);
    const [, openingRow, ...rest] = records;
    const closingRow = rest.pop() as string[];
    expect(openingRow.slice(1, 4)).toEqual(['opening_balance', 'Opening balance', 'acct-1']);
    expect(parseCredits(openingRow[6])).toBe(opening);

    let balance = opening;
    let sumIn = 0n;
    let sumOut = 0n;
    const mismatches: string[] = [];
    rest.forEach((row, i) => {
      const cin = row[4] === '' ? 0n : parseCredits(row[4]);
      const cout = row[5] === '' ? 0n : parseCredits(row[5]);
      balance += cin - cout;
      sumIn += cin;
      sumOut += cout;
      const line = lines[i];
      if (
        cin - cout !== line.amountNanocredits ||
        row[0] !== line.occurredAt.toISOString() ||
        row[2] !== line.description ||
        parseCredits(row[6]) !== balance
      )
        mismatches.push(`row ${i}: ${row.join('|')}`);
    });
    expect(mismatches).toEqual([]);
    const ledgerSum = lines.reduce((s, l) => s + l.amountNanocredits, 0n);
    expect(closingRow.slice(1, 3)).toEqual(['closing_balance', 'Closing balance']);
    expect(parseCredits(closingRow[4])).toBe(sumIn);
    expect(parseCredits(closingRow[5])).toBe(sumOut);
    expect(parseCredits(closingRow[6])).toBe(opening + ledgerSum);
    expect(totals).toEqual({
      lineCount: 3000,
      creditsInNanocredits: sumIn,
      creditsOutNanocredits: sumOut,
      openingBalanceNanocredits: opening,
      closingBalanceNanocredits: opening + ledgerSum,
    });
  });

  it('given descriptions with commas, quotes and line breaks, when written, then rows are RFC 4180 quoted with CRLF and round-trip unchanged (lines streamed from an async iterable)', async () => {
    const lines: StatementLine[] = [
      {
        occurredAt: new Date('2026-03-02T00:00:00Z'),
        type: 'usage',
        description: 'a, "b"\nc',
        reference: 'r1',
        amountNanocredits: -1n,
      },
      {
        occurredAt: new Date('2026-03-03T00:00:00Z'),
        type: 'purchase',
        description: 'Paket',
        reference: 'r2',
        amountNanocredits: 1_500_000_000n,
      },
    ];
    const { text } = await toCsv({
      accountId: 'a',
      periodStart,
      periodEnd,
      openingBalanceNanocredits: 0n,
      lines,
    });
    expect(text).toContain('"a, ""b""\nc"');
    expect(text.split('\r\n')[0]).toBe(STATEMENT_CSV_HEADER.join(','));
    const records: string[][] = parse(text);
    expect(records[2]).toEqual([
      '2026-03-02T00:00:00.000Z',
      'usage',
      'a, "b"\nc',
      'r1',
      '',
      '0.000000001',
      '-0.000000001',
    ]);
    expect(records[3]).toEqual([
      '2026-03-03T00:00:00.000Z',
      'purchase',
      'Paket',
      'r2',
      '1.500000000',
      '',
      '1.499999999',
    ]);
  });

  it('given a read-model running balance that disagrees with the lines, when written, then the export stops with STATEMENT_BALANCE_MISMATCH', async () => {
    const lines: StatementLine[] = [
      {
        occurredAt: new Date('2026-03-02T00:00:00Z'),
        type: 'usage',
        description: 'x',
        reference: 'r1',
        amountNanocredits: -5n,
        balanceAfterNanocredits: 94n,
      },
    ];
    await expect(
      toCsv({ accountId: 'a', periodStart, periodEnd, openingBalanceNanocredits: 100n, lines }),
    ).rejects.toMatchObject({
      code: 'STATEMENT_BALANCE_MISMATCH',
    });
  });

  it('given a line outside the period, when written, then it is rejected', async () => {
    const lines: StatementLine[] = [
      { occurredAt: periodEnd, type: 'usage', description: 'x', reference: 'r1', amountNanocredits: -5n },
    ];
    await expect(
      toCsv({ accountId: 'a', periodStart, periodEnd, openingBalanceNanocredits: 0n, lines }),
    ).rejects.toMatchObject({
      code: 'LINE_OUTSIDE_PERIOD',
    });
  });
});
