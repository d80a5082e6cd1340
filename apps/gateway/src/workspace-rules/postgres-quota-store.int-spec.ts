import { Pool } from 'pg';
import {
  DEFAULT_QUOTA_SLICES,
  isQuotaRefusal,
  minuteWindow,
  QuotaSlices,
  type QuotaDemand,
  type QuotaHold,
} from '@tollgate/gateway-core';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { migrateQuotaCounters } from './workspace-rules.providers';
import { DEFAULT_POSTGRES_QUOTA_STORE, PostgresQuotaStore } from './postgres-quota-store';

jest.setTimeout(30_000);

describe('quota slices over the shared Postgres counters', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const live: QuotaSlices[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = await newPool();
    await migrateQuotaCounters(pool);
  });

  afterEach(async () => {
    await Promise.all(live.splice(0).map((q) => q.close()));
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  async function newPool(): Promise<Pool> {
    const pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  }

  /** One gateway instance: its own pool (a process of its own would have one) and slices. */
  async function instance(holder: string, store?: PostgresQuotaStore): Promise<QuotaSlices> {
    const q = new QuotaSlices(store ?? new PostgresQuotaStore(await newPool()), {
      ...DEFAULT_QUOTA_SLICES,
      syncIntervalMs: 60_000,
      holder,
      now: () => Date.now(),
      onError: (m, e) => void errors.push(`${m}: ${String(e)}`),
    });
    live.push(q);
    return q;
  }

  async function row(scope: string, metric: string): Promise<{ used: bigint; consumed: bigint }> {
    const { rows } = await pools[0].query<{ used: string; consumed: string }>(
      'SELECT used::text, consumed::text FROM gateway_quota_counters WHERE scope = $1 AND metric = $2',
      [scope, metric],
    );
    return { used: BigInt(rows[0].used), consumed: BigInt(rows[0].consumed) };
  }

  it('given four instances and 100 requests a minute, when 400 requests race, then exactly 100 are admitted and the counter says 100', async () => {
    const window = minuteWindow(Date.now());
    // A minute boundary during the race would open a second window: start well inside one.
    if (window.endMs - Date.now() < 5_000)
      await new Promise((ok) => setTimeout(ok, window.endMs - Date.now() + 10));
    const gateways = await Promise.all(['gw-1', 'gw-2', 'gw-3', 'gw-4'].map((h) => instance(h)));
    const demand = (): QuotaDemand => ({
      scope: 'ws:race',
      metric: 'requests',
      limit: 100n,
      amount: 1n,
      window: minuteWindow(Date.now()),
    });
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) => gateways[i % 4].acquire([demand()])),
    );
    expect(outcomes.filter((o) => !isQuotaRefusal(o))).toHaveLength(100);
    expect((await row('ws:race', 'requests')).used).toBe(100n);
  });

  it('given credits held at the worst case and settled for less, then what the instances report consumed is exactly what was charged, and closing returns the unused slices', async () => {
    const gateways = [await instance('gw-c1'), await instance('gw-c2')];
    const day = { startMs: Date.now() - 1_000, endMs: Date.now() + 86_400_000 };
    const demand: QuotaDemand = {
      scope: 'ws:credits',
      metric: 'credits_day',
      limit: 10_000n,
      amount: 300n,
      window: day,
    };
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => ({
        gw: gateways[i % 2],
        outcome: await gateways[i % 2].acquire([demand]),
      })),
    );
    const held = outcomes.filter((o) => !isQuotaRefusal(o.outcome));
    // Never more than ⌊10 000 / 300⌋ = 33; at most one request's worth is left in each instance's
    // slice when the pool runs dry (a remainder too small for a request goes back when idle).
    expect(held.length).toBeLessThanOrEqual(33);
    expect(held.length).toBeGreaterThanOrEqual(33 - gateways.length);
    for (const { gw, outcome } of held) gw.settle(outcome as QuotaHold, [100n]);
    await Promise.all(gateways.map((g) => g.close()));
    const counter = await row('ws:credits', 'credits_day');
    expect(counter.consumed).toBe(BigInt(held.length) * 100n);
    // Every unused part of the slices went back at close: claimed = consumed.
    expect(counter.used).toBe(counter.consumed);
  });

  it('given an instance that dies holding concurrency slots, when it stops heart-beating, then another instance gets its slots back', async () => {
    const pool = await newPool();
    const store = new PostgresQuotaStore(pool, { ...DEFAULT_POSTGRES_QUOTA_STORE, holderTimeoutSeconds: 1 });
    const dying = new QuotaSlices(store, {
      ...DEFAULT_QUOTA_SLICES,
      syncIntervalMs: 60_000,
      holder: 'gw-dying',
      now: () => Date.now(),
      onError: () => undefined,
    });
    const slot = (): QuotaDemand => ({
      scope: 'ws:conc',
      metric: 'concurrent',
      limit: 2n,
      amount: 1n,
      window: { startMs: 0, endMs: Number.MAX_SAFE_INTEGER },
    });
    expect(isQuotaRefusal(await dying.acquire([slot()]))).toBe(false);
    expect(isQuotaRefusal(await dying.acquire([slot()]))).toBe(false);
    // The process is gone: never closed, and no heart-beat after its claim (its sync runs once a minute).
    const survivor = await instance('gw-survivor', store);
    expect(isQuotaRefusal(await survivor.acquire([slot()]))).toBe(true);
    await new Promise((ok) => setTimeout(ok, 1_500));
    await store.heartbeat('gw-survivor'); // the survivor's background round reaps the dead holder
    await new Promise((ok) => setTimeout(ok, 300)); // past the exhausted recheck
    expect(isQuotaRefusal(await survivor.acquire([slot()]))).toBe(false);
    expect(isQuotaRefusal(await survivor.acquire([slot()]))).toBe(false);
    expect(isQuotaRefusal(await survivor.acquire([slot()]))).toBe(true);
  });

  it('given counters of windows that ended long ago, then the heart-beat sweeps them and keeps current ones', async () => {
    const pool = await newPool();
    const old = Date.now() - 10 * 86_400_000;
    await pool.query(
      `INSERT INTO gateway_quota_counters (scope, metric, window_start_ms, window_end_ms, limit_value, used)
       VALUES ('ws:old', 'requests', $1, $2, 10, 3), ('ws:new', 'requests', $3, $4, 10, 3)`,
      [old, old + 60_000, Date.now(), Date.now() + 60_000],
    );
    await new PostgresQuotaStore(pool).heartbeat('gw-sweeper');
    const { rows } = await pool.query<{ scope: string }>(
      `SELECT scope FROM gateway_quota_counters WHERE scope IN ('ws:old', 'ws:new')`,
    );
    expect(rows.map((r) => r.scope)).toEqual(['ws:new']);
  });
});
