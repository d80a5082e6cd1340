import { formatCreditsTrimmed } from '@tollgate/money';
import type { DailySpend } from './workspace-read.service';

/** Colour-blind-safe palette (Okabe–Ito); models beyond it are drawn as "other". */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442'];
const OTHER_COLOUR = '#6b7280';
const WIDTH = 720;
const HEIGHT = 200;
const DAY_MS = 86_400_000;

export interface SpendChart {
  /** Inline SVG markup; every text in it is escaped here. */
  svg: string;
  legend: { model: string; colour: string; totalCredits: string }[];
  /** The same data as a table, for screen readers and as a fallback. */
  days: { day: string; totalCredits: string; perModel: { model: string; credits: string }[] }[];
  totalCredits: string;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** UTC days `[today - (days-1) … today]` as YYYY-MM-DD. */
export function chartDays(now: Date, days: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
}

/**
 * A stacked bar per day, one colour per model. Amounts stay bigint; only the drawing scale is a
 * number (bar height = spend / max spend, to 1/10000 of the plot height).
 */
export function buildSpendChart(rows: readonly DailySpend[], days: readonly string[]): SpendChart {
  const perModelTotal = new Map<string, bigint>();
  for (const r of rows) perModelTotal.set(r.model, (perModelTotal.get(r.model) ?? 0n) + r.priceNanocredits);
  const ranked = [...perModelTotal].sort((a, b) =>
    a[1] === b[1] ? a[0].localeCompare(b[0]) : a[1] > b[1] ? -1 : 1,
  );
  const colours = new Map<string, string>();
  ranked.forEach(([model], i) => colours.set(model, PALETTE[i] ?? OTHER_COLOUR));
  const byDay = new Map<string, Map<string, bigint>>();
  for (const r of rows) {
    let m = byDay.get(r.day);
    if (!m) byDay.set(r.day, (m = new Map()));
    m.set(r.model, (m.get(r.model) ?? 0n) + r.priceNanocredits);
  }
  let max = 0n;
  let total = 0n;
  for (const d of days) {
    let sum = 0n;
    for (const v of byDay.get(d)?.values() ?? []) sum += v;
    if (sum > max) max = sum;
    total += sum;
  }
  const slot = WIDTH / days.length;
  const barWidth = Math.max(2, slot * 0.7);
  const parts: string[] = [];
  days.forEach((d, i) => {
    const models = byDay.get(d);
    if (!models || max === 0n) return;
    // Heights from cumulative sums, so each stack's top sits exactly at its day's total.
    const scale = (v: bigint) => (Number((v * 10_000n) / max) / 10_000) * HEIGHT;
    let below = 0n;
    for (const [model] of ranked) {
      const v = models.get(model);
      if (!v || v <= 0n) continue;
      const bottom = HEIGHT - scale(below);
      below += v;
      const top = HEIGHT - scale(below);
      parts.push(
        `<rect x="${(i * slot + (slot - barWidth) / 2).toFixed(2)}" y="${top.toFixed(2)}" width="${barWidth.toFixed(2)}" height="${(bottom - top).toFixed(2)}" fill="${colours.get(model)}"><title>${escapeXml(`${d} ${model}: ${formatCreditsTrimmed(v)} credits`)}</title></rect>`,
      );
    }
  });
  const axis = `<line x1="0" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}" stroke="#9ca3af" stroke-width="1"/>`;
  // First and last labels anchor inward so they are not clipped at the edges.
  const label = (i: number) => {
    const anchor = i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle';
    const x = i === 0 ? 0 : i === days.length - 1 ? WIDTH : i * slot + slot / 2;
    return `<text x="${x.toFixed(2)}" y="${HEIGHT + 16}" font-size="11" text-anchor="${days.length === 1 ? 'middle' : anchor}" fill="#57606a">${escapeXml(days[i].slice(5))}</text>`;
  };
  const labels =
    days.length > 0 ? [label(0), label(Math.floor((days.length - 1) / 2)), label(days.length - 1)] : [];
  const svg = `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT + 22}" role="img" aria-labelledby="spend-chart-title" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title id="spend-chart-title">${escapeXml(`Spend per day by model, ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}: ${formatCreditsTrimmed(total)} credits in total`)}</title>${parts.join('')}${axis}${labels.join('')}</svg>`;
  return {
    svg,
    legend: ranked.map(([model, v]) => ({
      model: model || '(unknown)',
      colour: colours.get(model) as string,
      totalCredits: formatCreditsTrimmed(v),
    })),
    days: days
      .filter((d) => byDay.has(d))
      .map((d) => {
        const m = byDay.get(d) as Map<string, bigint>;
        let sum = 0n;
        for (const v of m.values()) sum += v;
        return {
          day: d,
          totalCredits: formatCreditsTrimmed(sum),
          perModel: [...m].map(([model, v]) => ({
            model: model || '(unknown)',
            credits: formatCreditsTrimmed(v),
          })),
        };
      }),
    totalCredits: formatCreditsTrimmed(total),
  };
}
