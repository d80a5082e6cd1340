import { z } from 'zod';
import { AUDIT_ACTIONS } from '@tollgate/projections';

export const AUDIT_MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 50;
/** Offset paging stays cheap only so deep; narrow the filters to go further. */
const MAX_PAGE = 1000;
const DAY_MS = 86_400_000;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date like 2026-01-31')
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: 'not a calendar date',
    },
  );

export const AuditQuerySchema = z
  .object({
    /** An actor id as recorded (`user:…`, `admin-token`) or a user's email. */
    actor: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .max(320)
        .regex(/^[\x21-\x7e]+$/, 'no spaces or control characters')
        .optional(),
    ),
    action: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((a) => AUDIT_ACTIONS.includes(a), 'not an action the audit log records')
        .optional(),
    ),
    workspace: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .max(200)
        .regex(/^[A-Za-z0-9_.:-]+$/, 'not a workspace id')
        .optional(),
    ),
    from: z.preprocess(emptyToUndefined, isoDay.optional()),
    to: z.preprocess(emptyToUndefined, isoDay.optional()),
    page: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(MAX_PAGE).default(1)),
    perPage: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(1).max(AUDIT_MAX_PER_PAGE).default(DEFAULT_PER_PAGE),
    ),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: '"from" must not be after "to"',
    path: ['from'],
  });

export type AuditQuery = z.infer<typeof AuditQuerySchema>;

/** Whole UTC days: `start` inclusive, `end` exclusive (the day after `to`). */
export function auditPeriod(q: Pick<AuditQuery, 'from' | 'to'>): { start: Date | null; end: Date | null } {
  return {
    start: q.from ? new Date(`${q.from}T00:00:00Z`) : null,
    end: q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + DAY_MS) : null,
  };
}

/** The same filters as a query string (for paging links and the CSV link). */
export function auditQueryString(q: AuditQuery, extra: { page?: number } = {}): string {
  const p = new URLSearchParams();
  for (const k of ['actor', 'action', 'workspace', 'from', 'to'] as const) {
    const v = q[k];
    if (v) p.set(k, v);
  }
  if (extra.page !== undefined) {
    if (q.perPage !== DEFAULT_PER_PAGE) p.set('perPage', String(q.perPage));
    p.set('page', String(extra.page));
  }
  return p.toString();
}
