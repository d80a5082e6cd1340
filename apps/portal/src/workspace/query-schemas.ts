import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';

export const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 50;
/** Offset pagination stays cheap only so deep; narrow the filters to go further. */
const MAX_PAGE = 1000;
/** A statement period is at most this long (the CSV streams, the page shows the first lines). */
const MAX_PERIOD_DAYS = 3660;
const DAY_MS = 86_400_000;

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
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
const text = (max: number, pattern: RegExp) =>
  z.preprocess(emptyToUndefined, z.string().max(max).regex(pattern).optional());

export const RequestLogQuerySchema = z
  .object({
    key: text(200, /^[A-Za-z0-9_-]+$/),
    model: text(200, /^[A-Za-z0-9._:/-]+$/),
    status: text(40, /^[a-z_]+$/),
    from: z.preprocess(emptyToUndefined, isoDay.optional()),
    to: z.preprocess(emptyToUndefined, isoDay.optional()),
    page: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(MAX_PAGE).default(1)),
    perPage: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(DEFAULT_PER_PAGE),
    ),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: '"from" must not be after "to"',
    path: ['from'],
  });
export type RequestLogFilter = z.infer<typeof RequestLogQuerySchema>;

export const StatementQuerySchema = z
  .object({
    from: z.preprocess(emptyToUndefined, isoDay.optional()),
    to: z.preprocess(emptyToUndefined, isoDay.optional()),
  })
  .strict();

/** A period of whole UTC days: `start` inclusive, `end` exclusive (the day after `to`). */
export interface StatementPeriod {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Validates GET query params; bad input is a 400 whose message names the field. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `Unknown filter: ${issue.keys.join(', ')}.`
      : `Invalid "${field || 'query'}": ${issue.message}.`;
  throw new BadRequestException({ statusCode: 400, code: 'INVALID_QUERY', message });
}

/** Default: the last 30 days up to today. */
export function statementPeriod(query: unknown, now: Date): StatementPeriod {
  const q = parseQuery(StatementQuerySchema, query);
  const to = q.to ?? day(now);
  const from = q.from ?? day(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS));
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  if (start >= end)
    throw new BadRequestException({
      statusCode: 400,
      code: 'INVALID_QUERY',
      message: '"from" must not be after "to".',
    });
  if (end.getTime() - start.getTime() > MAX_PERIOD_DAYS * DAY_MS)
    throw new BadRequestException({
      statusCode: 400,
      code: 'INVALID_QUERY',
      message: `A statement covers at most ${MAX_PERIOD_DAYS} days.`,
    });
  return { from, to, start, end };
}
