import { formatCredits } from '@tollgate/money';
import type { ReplayDifference, ReplayResult, ReplayRow } from './replay';

export type ReplayFormat = 'table' | 'json' | 'csv';

const HEADERS = [
  'position',
  'recorded_at',
  'event_type',
  'entry',
  'amount',
  'balance',
  'leased',
  'line',
  'description',
];

function cells(r: ReplayRow): string[] {
  return [
    r.position,
    r.recordedAt,
    r.eventType,
    r.entryType ?? '',
    r.amountNanocredits === 0n && r.entryType === null ? '' : formatCredits(r.amountNanocredits),
    formatCredits(r.postedAfterNanocredits),
    formatCredits(r.leasedAfterNanocredits),
    r.lineNo === null ? '' : String(r.lineNo),
    r.description,
  ];
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function differenceLine(accountId: string, d: ReplayDifference): string {
  return `account ${accountId}: ${d.model} ${d.what}: expected ${d.expected}, read model has ${d.actual}`;
}

/** Renders a replay; yields chunks so 100,000 rows never become one giant string. */
export function* formatReplay(result: ReplayResult, format: ReplayFormat): Generator<string> {
  switch (format) {
    case 'json': {
      const totals = Object.fromEntries(
        Object.entries(result.totals).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
      );
      const corrections = (result.corrections ?? []).map((c) => ({
        ...c,
        adjustment: c.adjustment
          ? { ...c.adjustment, amountNanocredits: c.adjustment.amountNanocredits.toString() }
          : null,
      }));
      yield `{"accountId":${JSON.stringify(result.accountId)},"totals":${JSON.stringify(totals)},"differences":${JSON.stringify(result.differences)},"corrections":${JSON.stringify(corrections)},"rows":[`;
      let first = true;
      for (const r of result.rows) {
        const o = {
          ...r,
          amountNanocredits: r.amountNanocredits.toString(),
          postedAfterNanocredits: r.postedAfterNanocredits.toString(),
          leasedAfterNanocredits: r.leasedAfterNanocredits.toString(),
        };
        yield `${first ? '' : ','}\n${JSON.stringify(o)}`;
        first = false;
      }
      yield '\n]}\n';
      return;
    }
    case 'csv': {
      yield `${HEADERS.join(',')}\n`;
      for (const r of result.rows) yield `${cells(r).map(csvCell).join(',')}\n`;
      return;
    }
    case 'table': {
      const rows = result.rows.map(cells);
      const widths = HEADERS.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))));
      const line = (c: string[]): string =>
        c
          .map((x, i) => {
            const v = x.length > widths[i] ? `${x.slice(0, widths[i] - 1)}…` : x;
            return i >= 4 && i <= 7 ? v.padStart(widths[i]) : v.padEnd(widths[i]);
          })
          .join('  ')
          .trimEnd();
      yield `${line(HEADERS)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`;
      for (const r of rows) yield `${line(r)}\n`;
      const t = result.totals;
      yield `\n${t.events} events, ${t.statementLines} statement lines, ${t.usageEvents} usage events\n`;
      yield `posted ${formatCredits(t.postedNanocredits)}  leased ${formatCredits(t.leasedNanocredits)}  available ${formatCredits(t.availableNanocredits)}\n`;
      const corrections = result.corrections ?? [];
      if (corrections.length > 0)
        yield `\ncorrections touching this account (usage events are never edited):\n`;
      for (const c of corrections)
        yield `  ${c.at}  ${c.correctionId}: ${c.kind} ${c.target} over [${c.from}, ${c.to ?? 'open end'}) by ${c.actor}: ${c.reason}; ${c.requestsAffected} requests${c.rerate ? ', re-rating' : ''}${c.adjustment ? `; adjustment ${c.adjustment.adjustmentId} ${formatCredits(c.adjustment.amountNanocredits)}` : ''}\n`;
      return;
    }
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
