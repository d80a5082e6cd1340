/**
 * Event store throughput on this machine. Prints one line per phase, then one JSON line:
 * {"bench":"eventstore","append_events_per_s":N,"raw_insert_rows_per_s":N,"ratio":N,
 *  "batch50_events_per_s":N,"read_all_events_per_s":N}
 * The first three are measured with 16 concurrent writers and single-event appends; the raw baseline is
 * a plain INSERT loop into a bare table with the same clients, pool and database.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ConcurrencyError, PostgresEventStore, START, type NewEvent } from '@tollgate/event-store';
import { openBenchDatabase } from './bench-db';

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3_000);
const WRITERS = 16;
const POOL_SIZE = WRITERS;
const READ_PAGE = 1_000;
const RATIO_ROUNDS = 3;
const MAX_READ_PAGES = 100_000;

const log = (line: string): void => console.log(line);

function payload(i: number): Record<string, unknown> {
  return {
    accountId: 'acct_01HZXK3M9Q',
    requestId: `req_${i}`,
    model: 'gpt-4o-mini',
    promptTokens: 812,
    completionTokens: 230,
    costNanocredits: '1234567',
  };
}

function newEvents(n: number, i: number): NewEvent[] {
  return Array.from({ length: n }, (_, k) => ({
    id: randomUUID(),
    type: 'UsageRecorded',
    data: payload(i + k),
    metadata: { correlationId: `req_${i}` },
  }));
}

/** Runs `writers` loops for PHASE_MS; each call of `op` returns how many rows/events it wrote. */
async function timed(writers: number, op: (w: number, i: number) => Promise<number>): Promise<number> {
  const end = Date.now() + PHASE_MS;
  const started = process.hrtime.bigint();
  let total = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        // Not `total += await …`: that reads `total` before the await and loses other writers' counts.
        const written = await op(w, i);
        total += written;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const db = await openBenchDatabase(log);
  log(`database: ${db.source}; ${PHASE_MS} ms per phase; pool ${POOL_SIZE}`);
  const pool = new Pool({ connectionString: db.url, max: POOL_SIZE });
  // Dropping the database at the end terminates idle connections; that is expected.
  pool.on('error', () => undefined);
  const store = new PostgresEventStore({ pool });
  try {
    await store.migrate();
    await pool.query(
      'CREATE TABLE raw_insert (id bigserial PRIMARY KEY, type text NOT NULL, data jsonb NOT NULL)',
    );
    // Open every pool connection up front so no phase pays for connecting.
    await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT 1')));
    const run = randomUUID().slice(0, 8);

    const rawInsert = (writers: number): Promise<number> =>
      timed(writers, async (w, i) => {
        await pool.query({
          name: 'raw_insert',
          text: 'INSERT INTO raw_insert (type, data) VALUES ($1, $2)',
          values: ['UsageRecorded', JSON.stringify(payload(w * 1_000_000 + i))],
        });
        return 1;
      });
    const append = (writers: number, perAppend: number, tag: string): Promise<number> =>
      timed(writers, async (w, i) => {
        await store.append(`bench-${run}-${tag}-${w}`, newEvents(perAppend, i), {
          expectedRevision: 'any',
        });
        return perAppend;
      });

    // Warm up plans and caches.
    await append(WRITERS, 1, 'warm');
    await rawInsert(WRITERS);

    const single1 = await append(1, 1, 's1');
    log(`append, 1 writer, 1 event/append:      ${fmt(single1)} events/s`);
    const raw1 = await rawInsert(1);
    log(`raw INSERT, 1 client:                  ${fmt(raw1)} rows/s`);

    // Alternate the two measurements that form the ratio, so machine noise hits both alike.
    const appends16: number[] = [];
    const raws16: number[] = [];
    for (let round = 0; round < RATIO_ROUNDS; round++) {
      raws16.push(await rawInsert(WRITERS));
      appends16.push(await append(WRITERS, 1, `s16r${round}`));
    }
    const append16 = mean(appends16);
    const raw16 = mean(raws16);
    log(
      `append, 16 writers, 1 event/append:    ${fmt(append16)} events/s (rounds ${appends16.map(fmt).join(', ')})`,
    );
    log(`raw INSERT, 16 clients:                ${fmt(raw16)} rows/s (rounds ${raws16.map(fmt).join(', ')})`);

    const batch1 = await append(1, 50, 'b1');
    log(`append, 1 writer, 50 events/append:    ${fmt(batch1)} events/s`);
    const batch16 = await append(WRITERS, 50, 'b16');
    log(`append, 16 writers, 50 events/append:  ${fmt(batch16)} events/s`);

    const sameAny = await timed(WRITERS, async (_w, i) => {
      await store.append(`bench-${run}-hot-any`, newEvents(1, i), { expectedRevision: 'any' });
      return 1;
    });
    log(`same stream, 16 writers, any:          ${fmt(sameAny)} events/s`);

    // Optimistic writers: read the revision, append with it, retry on conflict (as handleCommand does).
    let conflicts = 0;
    const hot = `bench-${run}-hot-expected`;
    const sameExpected = await timed(WRITERS, async (_w, i) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const [last] = await store.readStream(hot, { direction: 'backwards', maxCount: 1 });
        try {
          await store.append(hot, newEvents(1, i), {
            expectedRevision: last ? last.revision : 'no_stream',
          });
          return 1;
        } catch (err) {
          if (!(err instanceof ConcurrencyError)) throw err;
          conflicts++;
        }
      }
      return 0;
    });
    log(
      `same stream, 16 writers, expected rev: ${fmt(sameExpected)} events/s (${conflicts} conflicts retried)`,
    );

    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const readStarted = process.hrtime.bigint();
    let read = 0;
    let after = START;
    for (let page = 0; page < MAX_READ_PAGES; page++) {
      const batch = await store.readAll({ after, maxCount: READ_PAGE });
      read += batch.length;
      if (batch.length < READ_PAGE) break;
      after = batch[batch.length - 1].position;
    }
    const readAll = read / (Number(process.hrtime.bigint() - readStarted) / 1e9);
    log(
      `read $all, pages of ${READ_PAGE}:              ${fmt(readAll)} events/s (${read} of ${rows[0].n} events)`,
    );

    const result = {
      bench: 'eventstore',
      append_events_per_s: Math.round(append16),
      raw_insert_rows_per_s: Math.round(raw16),
      ratio: Math.round((append16 / raw16) * 1000) / 1000,
      batch50_events_per_s: Math.round(batch16),
      read_all_events_per_s: Math.round(readAll),
    };
    await store.close();
    await pool.end();
    await db.dispose();
    console.log(JSON.stringify(result));
  } catch (err) {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.dispose().catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
