import type { Pool } from 'pg';
import type { QuotaClaimResult, QuotaCounterRef, QuotaStore, QuotaSyncEntry } from '@tollgate/gateway-core';

export interface PostgresQuotaStoreOptions {
  /** A holder that has not heart-beaten for this long is gone: its concurrency slots are handed back. */
  holderTimeoutSeconds: number;
  /** Counters of windows that ended this long ago are deleted (bounded per round). */
  keepEndedMs: number;
  now: () => number;
}

export const DEFAULT_POSTGRES_QUOTA_STORE: PostgresQuotaStoreOptions = {
  holderTimeoutSeconds: 30,
  keepEndedMs: 2 * 86_400_000,
  now: () => Date.now(),
};

const SWEEP_BATCH = 5_000;

/**
 * The shared quota counters in Postgres. A claim is one statement: the counter row is created or
 * locked by the upsert, and `used + min(amount, limit − used)` can never pass the limit however many
 * instances claim at once (ON CONFLICT DO UPDATE serializes them on the row).
 */
export class PostgresQuotaStore implements QuotaStore {
  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresQuotaStoreOptions = DEFAULT_POSTGRES_QUOTA_STORE,
  ) {}

  async claim(
    ref: QuotaCounterRef,
    limit: bigint,
    amount: bigint,
    consumedDelta: bigint,
    holder: string,
  ): Promise<QuotaClaimResult> {
    const { rows } = await this.pool.query<{ used: string; last_grant: string }>(
      `WITH c AS (
         INSERT INTO gateway_quota_counters AS t
           (scope, metric, window_start_ms, window_end_ms, limit_value, used, last_grant, consumed)
         VALUES ($1, $2, $3, $4, $5::bigint, LEAST($6::bigint, $5::bigint), LEAST($6::bigint, $5::bigint), $7::bigint)
         ON CONFLICT (scope, metric, window_start_ms) DO UPDATE SET
           used = t.used + GREATEST(LEAST($6::bigint, $5::bigint - t.used), 0),
           last_grant = GREATEST(LEAST($6::bigint, $5::bigint - t.used), 0),
           limit_value = $5::bigint,
           consumed = t.consumed + $7::bigint,
           updated_at = now()
         RETURNING used, last_grant
       ), h AS (
         INSERT INTO gateway_quota_holders AS g (scope, metric, holder, slots, heartbeat_at)
         SELECT $1, $2, $8, c.last_grant, now() FROM c WHERE $2 = 'concurrent' AND c.last_grant > 0
         ON CONFLICT (scope, metric, holder) DO UPDATE SET slots = g.slots + excluded.slots, heartbeat_at = now()
       )
       SELECT used::text, last_grant::text FROM c`,
      [
        ref.scope,
        ref.metric,
        ref.windowStartMs,
        ref.windowEndMs,
        limit.toString(),
        amount.toString(),
        consumedDelta.toString(),
        holder,
      ],
    );
    return { grantedAmount: BigInt(rows[0].last_grant), claimedTotal: BigInt(rows[0].used) };
  }

  async sync(entries: readonly QuotaSyncEntry[], holder: string): Promise<void> {
    if (entries.length === 0) return;
    await this.pool.query(
      `WITH d AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
           AS d(scope, metric, window_start_ms, release, consumed)
       ), u AS (
         UPDATE gateway_quota_counters t
            SET used = GREATEST(t.used - d.release, 0), consumed = t.consumed + d.consumed, updated_at = now()
           FROM d
          WHERE t.scope = d.scope AND t.metric = d.metric AND t.window_start_ms = d.window_start_ms
          RETURNING 1
       )
       UPDATE gateway_quota_holders g SET slots = GREATEST(g.slots - d.release, 0), heartbeat_at = now()
         FROM d WHERE d.metric = 'concurrent' AND g.scope = d.scope AND g.metric = d.metric AND g.holder = $6`,
      [
        entries.map((e) => e.ref.scope),
        entries.map((e) => e.ref.metric),
        entries.map((e) => e.ref.windowStartMs),
        entries.map((e) => e.releaseAmount.toString()),
        entries.map((e) => e.consumedDelta.toString()),
        holder,
      ],
    );
  }

  async heartbeat(holder: string): Promise<void> {
    await this.pool.query('UPDATE gateway_quota_holders SET heartbeat_at = now() WHERE holder = $1', [
      holder,
    ]);
    await this.pool.query(
      `WITH dead AS (
         DELETE FROM gateway_quota_holders
          WHERE heartbeat_at < now() - make_interval(secs => $1) RETURNING scope, metric, slots
       ), s AS (SELECT scope, metric, sum(slots) AS slots FROM dead GROUP BY scope, metric)
       UPDATE gateway_quota_counters t SET used = GREATEST(t.used - s.slots, 0), updated_at = now()
         FROM s WHERE t.scope = s.scope AND t.metric = s.metric AND t.window_start_ms = 0`,
      [this.options.holderTimeoutSeconds],
    );
    await this.pool.query(
      `DELETE FROM gateway_quota_counters WHERE ctid IN (
         SELECT ctid FROM gateway_quota_counters WHERE window_end_ms < $1 LIMIT ${SWEEP_BATCH})`,
      [this.options.now() - this.options.keepEndedMs],
    );
  }
}
