import type { SqlStatement } from '../runtime/projection';

/** Column type for `unnest($n::type[])`; bigints travel as decimal text so they stay exact. */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'date' | 'uuid';

export interface Column<Row> {
  name: string;
  type: ColumnType;
  value(row: Row): string | number | boolean | Date | null;
}

/**
 * One multi-row INSERT for a whole batch: each column is one array parameter, so 1,000 rows are one
 * statement and one round trip, whatever the row count.
 */
export function bulkInsert<Row>(
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  onConflict = '',
): SqlStatement[] {
  if (rows.length === 0) return [];
  const names = columns.map((c) => c.name).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return [
    {
      sql: `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${onConflict}`,
      params: columns.map((c) => rows.map((r) => toParam(c.value(r)))),
    },
  ];
}

function toParam(v: string | number | boolean | Date | null): string | number | boolean | null {
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
