import type { SqlStatement } from '../runtime/projection';

/** Column type for `unnest($n::type[])`; bigints travel as decimal text so they stay exact. */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'date' | 'uuid';

export interface Column<Row> {
  name: string;
  type: ColumnType;
  value(row: Row): string | number | boolean | Date | null;
}

/**
 * One multi-row INSERT for a whole batch: the rows travel as one JSON array parameter (JSON.stringify
 * is native and far cheaper than escaping array literals), so 2,000 rows are one statement and one
 * round trip. bigints travel as decimal text and are cast back in SQL, so they stay exact.
 */
export function bulkInsert<Row>(
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  onConflict = '',
  alias = '',
): SqlStatement[] {
  if (rows.length === 0) return [];
  const names = columns.map((c) => c.name).join(', ');
  const payload = rows.map((r) => columns.map((c) => toParam(c.value(r))));
  // Positional arrays keep the JSON small; the SELECT turns element i into column i.
  const select = columns.map((c, i) => `(r->>${i})::${c.type}`).join(', ');
  return [
    {
      sql: `INSERT INTO ${table}${alias ? ` AS ${alias}` : ''} (${names}) SELECT ${select} FROM jsonb_array_elements($1::jsonb) AS r ${onConflict}`,
      params: [JSON.stringify(payload)],
    },
  ];
}

function toParam(v: string | number | boolean | Date | null): string | number | boolean | null {
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** UTC calendar day of an instant (a Date or ISO text), `YYYY-MM-DD`. */
export function utcDay(at: Date | string): string {
  // ISO text in UTC already starts with its UTC day; anything with an offset goes through Date.
  if (typeof at === 'string')
    return at.endsWith('Z') && at[10] === 'T' ? at.slice(0, 10) : utcDay(new Date(at));
  return at.toISOString().slice(0, 10);
}
