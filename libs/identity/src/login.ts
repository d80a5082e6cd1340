import type { Pool } from 'pg';
import type { User } from './model';
import { checkCredentials } from './users';

export interface LoginRateLimit {
  /** Failed attempts allowed per (email, ip) inside the window. */
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: LoginRateLimit = { maxFailures: 5, windowMs: 15 * 60 * 1000 };

export type LoginResult =
  | { kind: 'signed_in'; user: User }
  | { kind: 'invalid_credentials' }
  | { kind: 'rate_limited'; retryAfterMs: number };

const KEY_MAX_LENGTH = 254;
const PRUNE_BATCH = 1000;

/**
 * Checks a sign-in under a per (email, ip) failure limit kept in Postgres, so it holds across portal
 * instances. The attempt is recorded as a failure BEFORE the password is checked and counted with the
 * others: concurrent guesses cannot all slip under the limit. Success clears the key's failures; a
 * refused (rate-limited) attempt is not counted, so the lockout ends when the window has passed.
 */
export async function attemptLogin(
  pool: Pool,
  input: { email: string; password: string; ip: string; now: Date },
  limit: LoginRateLimit = DEFAULT_LOGIN_RATE_LIMIT,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase().slice(0, KEY_MAX_LENGTH);
  const ip = (input.ip || 'unknown').slice(0, 64);
  const windowStart = new Date(input.now.getTime() - limit.windowMs);
  await pool.query('DELETE FROM login_failures WHERE email = $1 AND ip = $2 AND attempted_at <= $3', [
    email,
    ip,
    windowStart,
  ]);
  const { rows: mine } = await pool.query<{ id: string }>(
    'INSERT INTO login_failures (email, ip, attempted_at) VALUES ($1, $2, $3) RETURNING id',
    [email, ip, input.now],
  );
  const attemptId = mine[0].id;
  const { rows: earlier } = await pool.query<{ attempted_at: Date }>(
    `SELECT attempted_at FROM login_failures
      WHERE email = $1 AND ip = $2 AND attempted_at > $3 AND id < $4
      ORDER BY attempted_at DESC LIMIT $5`,
    [email, ip, windowStart, attemptId, limit.maxFailures],
  );
  if (earlier.length >= limit.maxFailures) {
    await pool.query('DELETE FROM login_failures WHERE id = $1', [attemptId]);
    // The oldest of the newest `maxFailures` failures must leave the window before the next try.
    const oldestCounted = earlier[earlier.length - 1].attempted_at.getTime();
    return {
      kind: 'rate_limited',
      retryAfterMs: Math.max(1000, oldestCounted + limit.windowMs - input.now.getTime()),
    };
  }
  const user = await checkCredentials(pool, input.email, input.password);
  if (!user) return { kind: 'invalid_credentials' };
  await pool.query('DELETE FROM login_failures WHERE email = $1 AND ip = $2', [email, ip]);
  return { kind: 'signed_in', user };
}

/** Deletes up to one batch of failures that no longer count anywhere; returns how many. */
export async function pruneLoginFailures(
  pool: Pool,
  now: Date,
  limit: LoginRateLimit = DEFAULT_LOGIN_RATE_LIMIT,
): Promise<number> {
  const res = await pool.query(
    `DELETE FROM login_failures WHERE id IN (
       SELECT id FROM login_failures WHERE attempted_at <= $1 LIMIT ${PRUNE_BATCH})`,
    [new Date(now.getTime() - limit.windowMs)],
  );
  return res.rowCount ?? 0;
}
