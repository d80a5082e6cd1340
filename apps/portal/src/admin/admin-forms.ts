import { DomainError } from '@tollgate/event-store';
import { isMoneyError, parseCredits } from '@tollgate/money';

/** Thrown by form parsing: shown on the page above the form, nothing is changed. */
export class FormError extends Error {}

/** Longest field read at all; each field's own limit is checked (never silently cut) by requiredText. */
const MAX_FIELD_CHARS = 8192;

/** A trimmed text field, or '' when missing or repeated. Longer than any field may be: cut, then refused. */
export function textField(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, MAX_FIELD_CHARS + 1).trim() : '';
}

export function requiredText(body: unknown, name: string, label: string, maxLength = 500): string {
  const value = textField(body, name);
  if (value === '') throw new FormError(`${label} is required.`);
  if (value.length > maxLength) throw new FormError(`${label} may have at most ${maxLength} characters.`);
  return value;
}

/**
 * Most credits one admin form may move. Read models keep nanocredits in Postgres bigint (≤ 9.2·10^18),
 * so an absurd amount must be refused here rather than stop a projection later.
 */
export const MAX_FORM_CREDITS = 1_000_000n;

/** Decimal credits > 0 with at most 9 decimals, at most MAX_FORM_CREDITS, as exact nanocredits. */
export function positiveCredits(text: string, label: string): bigint {
  let amount: bigint;
  try {
    amount = parseCredits(text);
  } catch (err) {
    if (isMoneyError(err))
      throw new FormError(`${label}: enter a number of credits with at most 9 decimals.`);
    throw err;
  }
  if (amount <= 0n) throw new FormError(`${label} must be more than zero.`);
  if (amount > MAX_FORM_CREDITS * 1_000_000_000n)
    throw new FormError(`${label} may be at most ${MAX_FORM_CREDITS.toLocaleString('en-US')} credits.`);
  return amount;
}

/** A whole number in [min, max]; '' gives `fallback` (or an error when there is none). */
export function intField(text: string, label: string, min: number, max: number, fallback?: number): number {
  if (text === '') {
    if (fallback === undefined) throw new FormError(`${label} is required.`);
    return fallback;
  }
  if (!/^\d{1,9}$/.test(text)) throw new FormError(`${label} must be a whole number.`);
  const n = Number(text);
  if (n < min || n > max) throw new FormError(`${label} must be between ${min} and ${max}.`);
  return n;
}

/** What the admin reads for an error of the write side; unknown errors are not ours to show. */
export function adminErrorText(err: unknown): string | null {
  if (err instanceof FormError) return err.message;
  if (err instanceof DomainError) {
    const issues = (err.details as { issues?: unknown }).issues;
    return Array.isArray(issues) && issues.length > 0 ? `${err.message}: ${issues.join('; ')}` : err.message;
  }
  const pgCode = (err as { code?: unknown } | null)?.code;
  if (pgCode === '23505') return 'That name is already taken.';
  if (pgCode === '23503') return 'That refers to something that does not exist.';
  return null;
}

/** Status for a page showing an error: unknown things 404, conflicts 409, the rest 400. */
export function adminErrorStatus(err: unknown): number {
  if (err instanceof DomainError) {
    if (err.code.endsWith('NOT_FOUND')) return 404;
    if (err.code.includes('CONFLICT') || err.code.startsWith('ORDER_NOT') || err.code.endsWith('IN_PROGRESS'))
      return 409;
    if (err.code === 'PROVIDER_ERROR' || err.code === 'PROVIDER_UNAVAILABLE') return 502;
  }
  if ((err as { code?: unknown } | null)?.code === '23505') return 409;
  return 400;
}

/** UTC "YYYY-MM-DD HH:MM:SS" for tables. */
export function utc(d: Date | string | null): string {
  if (d === null) return '';
  const t = d instanceof Date ? d.toISOString() : d;
  return t.slice(0, 19).replace('T', ' ');
}
