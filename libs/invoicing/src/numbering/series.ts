import { DomainError } from '@tollgate/event-store';

/**
 * An invoice number series. `pattern` tokens: `{PREFIX}`, `{YYYY}` (the finalization year, UTC) and
 * `{SEQ:n}` (the yearly sequence, zero-padded to n digits; it may grow past n). Example:
 * `{PREFIX}-{YYYY}-{SEQ:6}` → `TG-2026-000042`.
 */
export interface InvoiceSeries {
  /** Stable id, part of the sequence stream's name. */
  id: string;
  prefix: string;
  pattern: string;
}

export const DEFAULT_SERIES: InvoiceSeries = { id: 'TG', prefix: 'TG', pattern: '{PREFIX}-{YYYY}-{SEQ:6}' };

const SERIES_ID = /^[A-Za-z0-9]{1,20}$/;
const TOKEN = /\{(PREFIX|YYYY|SEQ(?::(\d{1,2}))?)\}/g;

export function validateSeries(series: InvoiceSeries): InvoiceSeries {
  if (!SERIES_ID.test(series.id))
    throw new DomainError('INVALID_SERIES', 'series id must be 1-20 letters or digits', { id: series.id });
  if (!/^[A-Za-z0-9/_.-]{0,20}$/.test(series.prefix))
    throw new DomainError('INVALID_SERIES', 'series prefix must be at most 20 plain characters', {
      prefix: series.prefix,
    });
  const seqTokens = series.pattern.match(/\{SEQ(?::\d{1,2})?\}/g) ?? [];
  if (seqTokens.length !== 1 || !series.pattern.includes('{YYYY}') || series.pattern.length > 60)
    throw new DomainError('INVALID_SERIES', 'pattern needs exactly one {SEQ[:n]} and a {YYYY}', {
      pattern: series.pattern,
    });
  const rest = series.pattern.replace(TOKEN, '');
  if (/[{}]/.test(rest))
    throw new DomainError('INVALID_SERIES', 'pattern has an unknown token', { pattern: series.pattern });
  return series;
}

export function formatInvoiceNumber(series: InvoiceSeries, year: number, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`invalid sequence ${sequence}`);
  return series.pattern.replace(TOKEN, (_m, token: string, width: string | undefined) => {
    if (token === 'PREFIX') return series.prefix;
    if (token === 'YYYY') return String(year).padStart(4, '0');
    return String(sequence).padStart(width ? Number(width) : 1, '0');
  });
}

/** One sequence stream per series and year: numbers restart at 1 each year. */
export function numberStreamId(seriesId: string, year: number): string {
  return `invoice-numbers-${seriesId}-${year}`;
}

export function utcYear(iso: string): number {
  return new Date(iso).getUTCFullYear();
}

/** The operator's series: TOLLGATE_INVOICE_SERIES (id), _PREFIX and _PATTERN, defaulting to TG-YYYY-NNNNNN. */
export function invoiceSeriesFromEnv(env: Record<string, string | undefined> = process.env): InvoiceSeries {
  const prefix = env.TOLLGATE_INVOICE_PREFIX ?? DEFAULT_SERIES.prefix;
  return validateSeries({
    id:
      env.TOLLGATE_INVOICE_SERIES ?? (prefix.replace(/[^A-Za-z0-9]/g, '').slice(0, 20) || DEFAULT_SERIES.id),
    prefix,
    pattern: env.TOLLGATE_INVOICE_PATTERN ?? DEFAULT_SERIES.pattern,
  });
}
