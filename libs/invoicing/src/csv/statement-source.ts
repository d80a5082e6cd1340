import type { Pool } from 'pg';
import type { StatementLine } from './statement-csv';

const PAGE_LINES = 5000;

interface Row {
  line_no: string;
  entry_type: string;
  description: string | null;
  reference: string | null;
  amount_nanocredits: string;
  balance_after_nanocredits: string;
  occurred_at: Date;
}

/**
 * Reads an account's lines of one period from the `statement_lines` read model (the view over its
 * live version), keyset-paged by line number so 100k lines stream in flat memory.
 */
export async function statementFromReadModel(
  pool: Pool,
  accountId: string,
  periodStart: Date,
  periodEnd: Date,
): Promise<{ openingBalanceNanocredits: bigint; lines: AsyncIterable<StatementLine> }> {
  const before = await pool.query<{ balance_after_nanocredits: string }>(
    `SELECT balance_after_nanocredits FROM statement_lines
      WHERE account_id = $1 AND occurred_at < $2 ORDER BY line_no DESC LIMIT 1`,
    [accountId, periodStart],
  );
  const opening = before.rows.length > 0 ? BigInt(before.rows[0].balance_after_nanocredits) : 0n;
  async function* lines(): AsyncGenerator<StatementLine> {
    let after = '0';
    while (true) {
      const { rows } = await pool.query<Row>(
        `SELECT line_no, entry_type, description, reference, amount_nanocredits, balance_after_nanocredits, occurred_at
           FROM statement_lines
          WHERE account_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND line_no > $4::bigint
          ORDER BY line_no LIMIT ${PAGE_LINES}`,
        [accountId, periodStart, periodEnd, after],
      );
      for (const r of rows)
        yield {
          occurredAt: r.occurred_at,
          type: r.entry_type,
          description: r.description ?? '',
          reference: r.reference ?? '',
          amountNanocredits: BigInt(r.amount_nanocredits),
          balanceAfterNanocredits: BigInt(r.balance_after_nanocredits),
        };
      if (rows.length < PAGE_LINES) return;
      after = rows[rows.length - 1].line_no;
    }
  }
  return { openingBalanceNanocredits: opening, lines: lines() };
}
