import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * Idempotency-Key of `POST /admin/api/workspaces/:id/api-keys`, kept in `gateway_api_key_idempotency`
 * (gateway catalog migration 3) for 24 h. The secret is never stored (only its hash is, in the catalog),
 * so a replay can name the key it created but not show the secret again.
 */
export const API_KEY_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A reservation whose creation never finished (crash) is taken over after this. */
export const API_KEY_IDEMPOTENCY_ABANDONED_MS = 60_000;
/** Expired rows purged per request (keeps the table bounded without a sweeper). */
const PURGE_BATCH = 100;

export type Reservation =
  | { kind: 'reserved' }
  | { kind: 'replay'; keyId: string; prefix: string }
  | { kind: 'conflict' }
  | { kind: 'in_progress' };

/** Canonical fingerprint of a creation request: the workspace and the validated body, keys sorted. */
export function requestFingerprint(workspaceId: string, body: Record<string, unknown>): string {
  const canonical = JSON.stringify({ workspaceId, body }, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export class ApiKeyIdempotency {
  constructor(private readonly pool: Pool) {}

  /** Claims the key for this request, or says what an earlier request with it did. */
  async reserve(
    idempotencyKey: string,
    fingerprint: string,
    workspaceId: string,
    attempt = 0,
  ): Promise<Reservation> {
    const ttl = `${API_KEY_IDEMPOTENCY_TTL_MS} milliseconds`;
    await this.pool.query(
      `DELETE FROM gateway_api_key_idempotency WHERE idempotency_key IN (
         SELECT idempotency_key FROM gateway_api_key_idempotency
          WHERE created_at < now() - $1::interval ORDER BY created_at LIMIT ${PURGE_BATCH})`,
      [ttl],
    );
    const claimed = await this.pool.query(
      `INSERT INTO gateway_api_key_idempotency AS i (idempotency_key, request_sha256, workspace_id)
       VALUES ($1, $2, $3)
       ON CONFLICT (idempotency_key) DO UPDATE
          SET request_sha256 = EXCLUDED.request_sha256, workspace_id = EXCLUDED.workspace_id, created_at = now()
        WHERE i.created_at < now() - $4::interval
           OR (i.key_id IS NULL AND i.request_sha256 = EXCLUDED.request_sha256
               AND i.created_at < now() - $5::interval)
       RETURNING 1`,
      [idempotencyKey, fingerprint, workspaceId, ttl, `${API_KEY_IDEMPOTENCY_ABANDONED_MS} milliseconds`],
    );
    if (claimed.rowCount === 1) return { kind: 'reserved' };
    const { rows } = await this.pool.query<{
      request_sha256: string;
      key_id: string | null;
      key_prefix: string | null;
    }>(
      'SELECT request_sha256, key_id, key_prefix FROM gateway_api_key_idempotency WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    const row = rows[0];
    if (!row) {
      // Purged between the two statements: claim again (bounded).
      if (attempt >= 2) throw new Error(`idempotency key ${idempotencyKey} keeps disappearing`);
      return this.reserve(idempotencyKey, fingerprint, workspaceId, attempt + 1);
    }
    if (row.request_sha256 !== fingerprint) return { kind: 'conflict' };
    if (row.key_id === null || row.key_prefix === null) return { kind: 'in_progress' };
    return { kind: 'replay', keyId: row.key_id, prefix: row.key_prefix };
  }

  async complete(idempotencyKey: string, keyId: string, prefix: string): Promise<void> {
    await this.pool.query(
      'UPDATE gateway_api_key_idempotency SET key_id = $2, key_prefix = $3 WHERE idempotency_key = $1',
      [idempotencyKey, keyId, prefix],
    );
  }

  /** The creation failed: the key is free for a retry. */
  async release(idempotencyKey: string): Promise<void> {
    await this.pool.query(
      'DELETE FROM gateway_api_key_idempotency WHERE idempotency_key = $1 AND key_id IS NULL',
      [idempotencyKey],
    );
  }
}
