import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Membership, User, WorkspaceRole } from './model';
import { constantTimeEqual, randomToken, sha256 } from './tokens';
import { MAX_MEMBERSHIPS_LISTED } from './users';

type Db = Pool | PoolClient;

export interface SessionPolicy {
  /** A session ends this long after sign-in, however active. */
  absoluteTtlMs: number;
  /** A session ends after this long without a request. */
  idleTimeoutMs: number;
  /** last_seen_at is written at most this often, so reads do not each cost a write. */
  touchIntervalMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  absoluteTtlMs: 7 * 24 * 60 * 60 * 1000,
  idleTimeoutMs: 12 * 60 * 60 * 1000,
  touchIntervalMs: 60 * 1000,
};

export interface Session {
  id: string;
  userId: string;
  /** Synchronizer token: rendered into forms, sent back as `_csrf` or `x-csrf-token`. */
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Cookie tokens are 43 base64url characters; anything longer is refused before hashing. */
const TOKEN_MAX_LENGTH = 128;
const PRUNE_BATCH = 1000;

export async function createSession(
  db: Db,
  input: { userId: string; now: Date; ip?: string; userAgent?: string },
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<{ token: string; session: Session }> {
  const token = randomToken();
  const session: Session = {
    id: randomUUID(),
    userId: input.userId,
    csrfToken: randomToken(),
    createdAt: input.now,
    lastSeenAt: input.now,
    expiresAt: new Date(input.now.getTime() + policy.absoluteTtlMs),
  };
  await db.query(
    `INSERT INTO user_sessions
       (token_sha256, id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
    [
      sha256(token),
      session.id,
      session.userId,
      session.csrfToken,
      input.now,
      session.expiresAt,
      input.ip?.slice(0, 64) ?? null,
      input.userAgent?.slice(0, 256) ?? null,
    ],
  );
  return { token, session };
}

interface SessionRow {
  memberships?: { workspace_id: string; name: string; role: string }[] | null;
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  email: string;
  display_name: string;
  is_admin: boolean;
  user_created_at: Date;
}

/**
 * The live session and its user for a cookie token, or null when it is unknown, expired, idle too
 * long, or its user is disabled. A dead session is deleted on sight.
 */
export async function resolveSession(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<{ session: Session; user: User } | null> {
  return resolve(db, token, now, policy, false);
}

/** resolveSession plus the user's workspaces, in the same round trip (every portal request needs both). */
export async function resolveSessionWithMemberships(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<{ session: Session; user: User; memberships: Membership[] } | null> {
  const live = await resolve(db, token, now, policy, true);
  return live as { session: Session; user: User; memberships: Membership[] } | null;
}

async function resolve(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy,
  withMemberships: boolean,
): Promise<{ session: Session; user: User; memberships?: Membership[] } | null> {
  if (!token || token.length > TOKEN_MAX_LENGTH) return null;
  const hash = sha256(token);
  const membershipsColumn = withMemberships
    ? `, (SELECT json_agg(json_build_object('workspace_id', x.workspace_id, 'name', x.name, 'role', x.role)
                    ORDER BY x.name, x.workspace_id)
          FROM (SELECT m.workspace_id, w.name, m.role
                  FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
                 WHERE m.user_id = s.user_id
                 ORDER BY w.name, w.id LIMIT ${MAX_MEMBERSHIPS_LISTED}) x) AS memberships`
    : '';
  const { rows } = await db.query<SessionRow>(
    `SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
            u.email, u.display_name, u.is_admin, u.created_at AS user_created_at${membershipsColumn}
       FROM user_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_sha256 = $1 AND u.disabled_at IS NULL`,
    [hash],
  );
  const r = rows[0];
  if (!r) return null;
  const idleDeadlineMs = r.last_seen_at.getTime() + policy.idleTimeoutMs;
  if (r.expires_at.getTime() <= now.getTime() || idleDeadlineMs <= now.getTime()) {
    await db.query('DELETE FROM user_sessions WHERE token_sha256 = $1', [hash]);
    return null;
  }
  let lastSeenAt = r.last_seen_at;
  if (now.getTime() - lastSeenAt.getTime() >= policy.touchIntervalMs) {
    await db.query('UPDATE user_sessions SET last_seen_at = $2 WHERE token_sha256 = $1', [hash, now]);
    lastSeenAt = now;
  }
  return {
    session: {
      id: r.id,
      userId: r.user_id,
      csrfToken: r.csrf_token,
      createdAt: r.created_at,
      lastSeenAt,
      expiresAt: r.expires_at,
    },
    user: {
      id: r.user_id,
      email: r.email,
      displayName: r.display_name,
      isAdmin: r.is_admin,
      createdAt: r.user_created_at,
    },
    ...(withMemberships
      ? {
          memberships: (r.memberships ?? []).map((m) => ({
            workspaceId: m.workspace_id,
            workspaceName: m.name,
            role: m.role as WorkspaceRole,
          })),
        }
      : {}),
  };
}

/** Ends the session the token belongs to (logout); unknown tokens are ignored. */
export async function revokeSession(db: Db, token: string): Promise<void> {
  if (!token || token.length > TOKEN_MAX_LENGTH) return;
  await db.query('DELETE FROM user_sessions WHERE token_sha256 = $1', [sha256(token)]);
}

export async function revokeUserSessions(db: Db, userId: string): Promise<number> {
  const res = await db.query('DELETE FROM user_sessions WHERE user_id = $1', [userId]);
  return res.rowCount ?? 0;
}

/** Deletes up to one batch of expired sessions; returns how many. */
export async function pruneExpiredSessions(db: Db, now: Date): Promise<number> {
  const res = await db.query(
    `DELETE FROM user_sessions WHERE token_sha256 IN (
       SELECT token_sha256 FROM user_sessions WHERE expires_at <= $1 LIMIT ${PRUNE_BATCH})`,
    [now],
  );
  return res.rowCount ?? 0;
}

/** Synchronizer-token check, constant time. */
export function verifyCsrfToken(session: Pick<Session, 'csrfToken'>, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length === 0 || submitted.length > TOKEN_MAX_LENGTH)
    return false;
  return constantTimeEqual(session.csrfToken, submitted);
}
