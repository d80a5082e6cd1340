/**
 * Projection throughput on this machine. Seeds BENCH_EVENTS (default 1,000,000) ledger events through
 * the event store's append (≈90% UsageRecorded, one account with ≈100,000 events), then measures:
 * - project_events_per_s: the live runner (all four ledger read models) working through a backlog,
 *   measured between the 10% and 40% marks of the store;
 * - rebuild_1m_events_s: `rebuildProjections` of all read models from position 0 over every event;
 * - replay_account_100k_events_s: the auditor's replay of the big account, compared with the read models.
 * Prints progress lines, then one JSON line last.
 */
import { Pool } from 'pg';
import { PostgresEventStore, migrateEventStore, type NewEvent } from '@tollgate/event-store';
import {
  LEDGER_PROJECTIONS,
  ProjectionRunner,
  rebuildProjections,
  replayAccount,
  waitForProjections,
} from '@tollgate/projections';
import { LedgerEvents } from '../libs/projections/src/testing/ledger-fixtures';
import { openBenchDatabase } from './bench-db';

const C = 1_000_000_000n;
const LEASE = 50n * C;
const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BIG = Math.min(100_000, Math.floor(TOTAL / 10));
const WRITERS = 16;
const APPEND_BATCH = 50;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

type Job = () => Promise<number>;

let appended = 0;

/** One account's life: funding, leases with usage appended in batches of ≤50, settlements, corrections. */
function accountJob(
  store: PostgresEventStore,
  ev: LedgerEvents,
  id: string,
  leases: number,
  usagePerLease: number,
): Job {
  return async () => {
    let n = 0;
    const append = async (stream: string, events: NewEvent[]): Promise<void> => {
      await store.append(stream, events, { expectedRevision: 'any' });
      n += events.length;
      appended += events.length;
    };
    const acc = `account-${id}`;
    const funding: NewEvent[] = [ev.opened(id, 5n * C)];
    for (let i = 0; i < 20; i++) funding.push(ev.purchased(id, 10_000n * C, `pay-${id}-${i}`));
    for (let i = 0; i < 5; i++) funding.push(ev.granted(id, 10n * C));
    await append(acc, funding);
    let carry: NewEvent[] = [];
    for (let l = 0; l < leases; l++) {
      const leaseId = `l${l}`;
      await append(acc, [...carry, ev.leaseReserved(id, leaseId, LEASE)]);
      let spent = 0n;
      for (let u = 0; u < usagePerLease; u += APPEND_BATCH) {
        const batch: NewEvent[] = [];
        for (let k = u; k < Math.min(usagePerLease, u + APPEND_BATCH); k++) {
          const failed = k % 50 === 49;
          const price = failed ? 0n : 1_000_000n + BigInt((k * 7919) % 5_000_000);
          spent += price;
          batch.push(
            ev.usage(id, leaseId, {
              priceNanocredits: price,
              status: failed ? 'failed' : 'succeeded',
              model: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'llama-70b'][k % 4],
              apiKeyId: `key-${k % 3}`,
            }),
          );
        }
        await append(`usage-${id}-${leaseId}`, batch);
      }
      carry = [ev.leaseSettled(id, leaseId, spent, LEASE - spent, usagePerLease)];
    }
    await append(acc, [
      ...carry,
      ev.adjusted(id, -3n),
      ev.adjusted(id, 7n),
      ev.refunded(id, C, `pay-${id}-0`),
      ev.refunded(id, C, `pay-${id}-1`),
    ]);
    return n;
  };
}

async function main(): Promise<void> {
  let result = '';
  const db = await openBenchDatabase(log);
  log(`projections bench on ${db.source}: ${TOTAL} events`);
  const pool = new Pool({ connectionString: db.url, max: 24 });
  const store = new PostgresEventStore({ pool, log: () => undefined });
  // Seeding is not what is measured: its appends skip the WAL flush wait (fsync-bound here otherwise).
  const seedPool = new Pool({ connectionString: db.url, max: 24, options: '-c synchronous_commit=off' });
  // Dropping the bench database at the end terminates idle connections: expected.
  pool.on('error', () => undefined);
  seedPool.on('error', () => undefined);
  const seedStore = new PostgresEventStore({ pool: seedPool, log: () => undefined });
  try {
    await migrateEventStore(pool);
    const ev = new LedgerEvents();

    // Seed: the big account (≈BIG events over 100 leases) and accounts of ≈900 events (≈90% usage).
    const jobs: Job[] = [];
    const bigLeases = 100;
    const bigUsage = Math.max(1, Math.floor((BIG - 2 * bigLeases - 30) / bigLeases));
    jobs.push(accountJob(seedStore, ev, 'big', bigLeases, bigUsage));
    const perAccount = 30 + 2 * 30 + 30 * 27;
    const others = Math.max(1, Math.round((TOTAL - (30 + bigLeases * (2 + bigUsage))) / perAccount));
    for (let a = 0; a < others; a++) jobs.push(accountJob(seedStore, ev, `acct-${a}`, 30, 27));
    const seedStart = Date.now();
    let seeded = 0;
    let next = 0;
    let lastLog = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++];
          seeded += await job();
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`seeding: ${appended} events, ${Math.round(appended / ((Date.now() - seedStart) / 1000))}/s`);
          }
        }
      }),
    );
    const seedS = (Date.now() - seedStart) / 1000;
    log(`seeded ${appended} events (${others + 1} accounts) in ${seedS.toFixed(1)} s`);
    const { rows: counts } = await pool.query<{ total: string; usage: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE type = 'UsageRecorded') AS usage FROM events`,
    );
    log(`mix: ${counts[0].usage} of ${counts[0].total} events are UsageRecorded`);
    seeded = Number(counts[0].total);

    // Live runner through a backlog, timed between the 10% and 40% marks.
    const mark = async (fraction: number) => {
      const { rows } = await pool.query<{ tx: string; seq: string }>(
        `SELECT transaction_id::text AS tx, seq::text FROM events ORDER BY transaction_id, seq OFFSET $1 LIMIT 1`,
        [Math.floor(seeded * fraction)],
      );
      return { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].seq) };
    };
    const from = await mark(0.1);
    const to = await mark(0.4);
    const measured = Math.floor(seeded * 0.4) - Math.floor(seeded * 0.1);
    const names = LEDGER_PROJECTIONS.map((p) => p.name);
    const runner = new ProjectionRunner({
      pool,
      store,
      projections: LEDGER_PROJECTIONS,
      batchSize: 2000,
      log: () => undefined,
    });
    const runStart = Date.now();
    await runner.start();
    await waitForProjections(pool, store, names, { until: from, timeoutMs: 600_000, pollMs: 50 });
    const t0 = Date.now();
    log(`projector: warmed up to 10% in ${((t0 - runStart) / 1000).toFixed(1)} s`);
    await waitForProjections(pool, store, names, { until: to, timeoutMs: 600_000, pollMs: 50 });
    const projectS = (Date.now() - t0) / 1000;
    await runner.stop();
    const projectPerS = Math.round(measured / projectS);
    log(
      `projector: ${measured} events in ${projectS.toFixed(1)} s = ${projectPerS} events/s (4 read models)`,
    );

    // Full rebuild from position 0 of every read model.
    const rebuildStart = Date.now();
    let lastProgress = 0;
    const results = await rebuildProjections(pool, store, LEDGER_PROJECTIONS, {
      batchSize: 5000,
      onProgress: (p) => {
        if (Date.now() - lastProgress < 10_000 && p.phase === 'building') return;
        lastProgress = Date.now();
        log(
          `rebuild: ${p.phase} ${(p.fraction * 100).toFixed(0)}% ${p.eventsRead} events, ${p.eventsPerSecond}/s`,
        );
      },
    });
    const rebuildS = (Date.now() - rebuildStart) / 1000;
    if (!results.every((r) => r.ok)) throw new Error(`rebuild failed: ${JSON.stringify(results)}`);
    log(`rebuild: ${seeded} events in ${rebuildS.toFixed(1)} s`);

    // Auditor replay of the big account, compared with the read models.
    const replayStart = Date.now();
    const replay = await replayAccount(store, pool, 'big');
    const replayS = (Date.now() - replayStart) / 1000;
    log(
      `replay: account big, ${replay.rows.length} events in ${replayS.toFixed(2)} s, ${replay.differences.length} differences`,
    );
    if (replay.differences.length > 0)
      log(`replay differences: ${JSON.stringify(replay.differences.slice(0, 5))}`);

    result = JSON.stringify({
      bench: 'projections',
      project_events_per_s: projectPerS,
      rebuild_1m_events_s: Number(rebuildS.toFixed(1)),
      replay_account_100k_events_s: Number(replayS.toFixed(2)),
    });
  } finally {
    await seedStore.close();
    await seedPool.end();
    await store.close();
    await pool.end();
    await db.dispose();
  }
  // Last line: the JSON result, after every cleanup message.
  log(result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
