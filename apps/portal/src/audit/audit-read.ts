import type { Pool } from 'pg';
import { auditPeriod, type AuditQuery } from './audit-query';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface AuditRow {
  eventId: string;
  occurredAt: Date;
  actor: string;
  /** The actor's email when the actor is a portal user. */
  actorEmail: string | null;
  action: string;
  category: string;
  workspaceId: string | null;
  subject: string;
  summary: string;
  before: Record<string, Json> | null;
  after: Record<string, Json> | null;
  streamId: string;
}

interface DbRow {
  event_id: string;
  occurred_at: Date;
  actor: string;
  actor_email: string | null;
  action: string;
  category: string;
  workspace_id: string | null;
  subject: string;
  summary: string;
  before_state: Record<string, Json> | null;
  after_state: Record<string, Json> | null;
  stream_id: string;
  position_commit: string;
  position_prepare: string;
}

/** Where-clause and params for the filters; an email actor is resolved to its `user:<id>`. */
async function whereOf(pool: Pool, q: AuditQuery): Promise<{ where: string; params: unknown[] }> {
  const params: unknown[] = [];
  const conds: string[] = [];
  if (q.actor) {
    let actor = q.actor;
    if (actor.includes('@')) {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM users WHERE email = lower(btrim($1))',
        [actor],
      );
      // An unknown email matches nothing (rather than everything).
      actor = rows[0] ? `user:${rows[0].id}` : '\u0000no-such-user';
    }
    params.push(actor);
    conds.push(`a.actor = $${params.length}`);
  }
  if (q.action) {
    params.push(q.action);
    conds.push(`a.action = $${params.length}`);
  }
  if (q.workspace) {
    params.push(q.workspace);
    conds.push(`a.workspace_id = $${params.length}`);
  }
  const { start, end } = auditPeriod(q);
  if (start) {
    params.push(start);
    conds.push(`a.occurred_at >= $${params.length}`);
  }
  if (end) {
    params.push(end);
    conds.push(`a.occurred_at < $${params.length}`);
  }
  return { where: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}

function toRow(r: DbRow): AuditRow {
  return {
    eventId: r.event_id,
    occurredAt: r.occurred_at,
    actor: r.actor,
    actorEmail: r.actor_email,
    action: r.action,
    category: r.category,
    workspaceId: r.workspace_id,
    subject: r.subject,
    summary: r.summary,
    before: r.before_state,
    after: r.after_state,
    streamId: r.stream_id,
  };
}

const SELECT = `SELECT a.event_id, a.occurred_at, a.actor, u.email AS actor_email, a.action, a.category, a.workspace_id,
                       a.subject, a.summary, a.before_state, a.after_state, a.stream_id,
                       a.position_commit::text, a.position_prepare::text
                  FROM audit_log a
                  LEFT JOIN users u ON a.actor LIKE 'user:%' AND u.id::text = substr(a.actor, 6)`;

const missingTable = (err: unknown): boolean => (err as { code?: string }).code === '42P01';

/** One page, newest first; `hasMore` says whether another page follows. */
export async function auditPage(pool: Pool, q: AuditQuery): Promise<{ rows: AuditRow[]; hasMore: boolean }> {
  try {
    const { where, params } = await whereOf(pool, q);
    const { rows } = await pool.query<DbRow>(
      `${SELECT} ${where} ORDER BY a.position_commit DESC, a.position_prepare DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.perPage + 1, (q.page - 1) * q.perPage],
    );
    return { rows: rows.slice(0, q.perPage).map(toRow), hasMore: rows.length > q.perPage };
  } catch (err) {
    if (missingTable(err)) return { rows: [], hasMore: false };
    throw err;
  }
}

/**
 * Every matching row, newest first, in keyset-paged chunks (memory stays flat), at most `maxRows`.
 * Yields chunks so the caller can write them as it goes.
 */
export async function* auditRowsForExport(
  pool: Pool,
  q: AuditQuery,
  options: { chunk?: number; maxRows: number },
): AsyncGenerator<AuditRow[]> {
  const chunk = options.chunk ?? 1000;
  const { where, params } = await whereOf(pool, q);
  let cursor: [string, string] | null = null;
  let sent = 0;
  while (sent < options.maxRows) {
    const p = [...params];
    let cond = where;
    if (cursor) {
      p.push(cursor[0], cursor[1]);
      const keyset = `(a.position_commit, a.position_prepare) < ($${p.length - 1}::bigint, $${p.length}::bigint)`;
      cond = cond ? `${cond} AND ${keyset}` : `WHERE ${keyset}`;
    }
    p.push(Math.min(chunk, options.maxRows - sent));
    let rows: DbRow[];
    try {
      ({ rows } = await pool.query<DbRow>(
        `${SELECT} ${cond} ORDER BY a.position_commit DESC, a.position_prepare DESC LIMIT $${p.length}`,
        p,
      ));
    } catch (err) {
      if (missingTable(err)) return;
      throw err;
    }
    if (rows.length === 0) return;
    sent += rows.length;
    const last = rows[rows.length - 1];
    cursor = [last.position_commit, last.position_prepare];
    yield rows.map(toRow);
    if (rows.length < chunk) return;
  }
}

/** The fields that differ between before and after, for a compact view. */
export function changedFields(
  before: Record<string, Json> | null,
  after: Record<string, Json> | null,
): { field: string; before: string; after: string }[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  const show = (v: Json | undefined): string => (v === undefined ? '—' : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]))
    .map((k) => ({ field: k, before: show(before?.[k]), after: show(after?.[k]) }));
}
