import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../testing/src';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { comparePositions, type RecordedEvent } from '../event-store';
import { runMigrations } from './migrations';
import { LISTEN_APPLICATION_NAME } from './notifier';
import { migrateEventStore, PostgresEventStore } from './postgres-event-store';

describeEventStoreContract('postgres', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore({ connectionString: db.url, poolSize: 8 });
  await store.migrate();
  return { store, dispose: () => db.drop() };
});

describe('postgres event store specifics', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 6 });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('given 16 writers appending with `any` to one hot stream, when they race, then every append lands once with contiguous revisions', async () => {
    const stream = `hot-${randomUUID()}`;
    const writers = 16;
    const perWriter = 15;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++)
          await store.append(stream, [{ id: randomUUID(), type: 'Hot', data: { w, i } }], {
            expectedRevision: 'any',
          });
      }),
    );
    const events = await store.readStream(stream);
    expect(events).toHaveLength(writers * perWriter);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
    expect(
      new Set(events.map((e) => `${(e.data as { w: number }).w}/${(e.data as { i: number }).i}`)).size,
    ).toBe(writers * perWriter);
  });

  it('given a migrated database, when migrations run again from several starters at once, then each is a no-op and every version is recorded once', async () => {
    const pools = [
      new Pool({ connectionString: db.url, max: 1 }),
      new Pool({ connectionString: db.url, max: 1 }),
    ];
    try {
      const results = await Promise.all(pools.map((p) => migrateEventStore(p)));
      for (const r of results) expect(r.applied).toEqual([]);
      const { rows } = await pools[0].query(
        `SELECT version FROM schema_migrations WHERE component = 'event-store' ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([1]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('given a fresh component, when two starters run its migrations concurrently, then each version is applied exactly once', async () => {
    const pools = [
      new Pool({ connectionString: db.url, max: 1 }),
      new Pool({ connectionString: db.url, max: 1 }),
    ];
    const migrations = [
      { version: 1, name: 'table', sql: 'CREATE TABLE mig_probe (n int)' },
      { version: 2, name: 'row', sql: 'INSERT INTO mig_probe VALUES (1)' },
    ];
    try {
      const progress: string[] = [];
      const results = await Promise.all(
        pools.map((p) =>
          runMigrations(p, migrations, {
            component: 'probe',
            onProgress: (e) => progress.push(`${e.version}:${e.status}`),
          }),
        ),
      );
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 2]);
      expect(progress).toEqual(['1:applying', '1:applied', '2:applying', '2:applied']);
      const { rows } = await pools[0].query('SELECT count(*)::int AS n FROM mig_probe');
      expect(rows[0].n).toBe(1);
      await expect(
        runMigrations(pools[0], [{ ...migrations[0], sql: 'CREATE TABLE other (n int)' }], {
          component: 'probe',
        }),
      ).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('given a transaction that appends first but commits last, when others commit meanwhile, then readers wait for it and no reader skips its event', async () => {
    const prefix = `slow-${randomUUID().slice(0, 8)}`;
    const from = await store.headPosition();
    const sub = store.subscribeToAll({ after: from });
    const seen: RecordedEvent[] = [];
    let expectedTotal = Infinity;
    const subscriber = (async () => {
      for await (const e of sub) {
        if (e.streamId.startsWith(prefix)) seen.push(e);
        if (seen.length >= expectedTotal) break;
      }
    })();

    // The slow writer takes its transaction id (and its sequence numbers) before the others.
    const slow = new Client({ connectionString: db.url });
    await slow.connect();
    const slowId = randomUUID();
    await slow.query('BEGIN');
    await slow.query(`SELECT * FROM append_events($1, -1, $2, $3, $4, $5)`, [
      `${prefix}-slow`,
      JSON.stringify([slowId]),
      JSON.stringify(['Slow']),
      '[{}]',
      '[{}]',
    ]);
    const fast: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = randomUUID();
      await store.append(`${prefix}-fast-${i % 4}`, [{ id, type: 'Fast', data: { i } }], {
        expectedRevision: 'any',
      });
      fast.push(id);
    }
    await new Promise((r) => setTimeout(r, 100));
    // While the slow transaction is open nothing after it is visible yet: readers are held back.
    const visibleWhileOpen = (await store.readAll({ after: from, maxCount: 1000 })).filter((e) =>
      e.streamId.startsWith(prefix),
    );
    expect(visibleWhileOpen).toEqual([]);
    expect(seen).toEqual([]);

    await slow.query('SELECT pg_sleep(0.2)');
    await slow.query('COMMIT');
    await slow.end();
    expectedTotal = fast.length + 1;
    // The xmin horizon is server-wide: on a shared server other sessions' transactions delay it too.
    const timeout = setTimeout(() => void sub.close(), 12_000);
    await subscriber;
    clearTimeout(timeout);

    expect(seen.map((e) => e.id)).toEqual([slowId, ...fast]);
    for (let i = 1; i < seen.length; i++)
      expect(comparePositions(seen[i - 1].position, seen[i].position)).toBe(-1);
  }, 15_000);

  it('given a transaction that appends first but commits last, when a filtered reader reads meanwhile, then its cursor stops before that event and finds it after the commit', async () => {
    const prefix = `fslow-${randomUUID().slice(0, 8)}`;
    const slowType = `Slow${prefix.slice(6)}`;
    const from = await store.headPosition();
    const slow = new Client({ connectionString: db.url });
    await slow.connect();
    try {
      const slowId = randomUUID();
      await slow.query('BEGIN');
      await slow.query(`SELECT * FROM append_events($1, -1, $2, $3, $4, $5)`, [
        `${prefix}-slow`,
        JSON.stringify([slowId]),
        JSON.stringify([slowType]),
        '[{}]',
        '[{}]',
      ]);
      for (let i = 0; i < 10; i++)
        await store.append(`${prefix}-fast`, [{ id: randomUUID(), type: 'Fast', data: { i } }], {
          expectedRevision: 'any',
        });
      // Held back: nothing of the slow type, and the cursor does not jump past the open transaction.
      const held = await store.readAllPage({ after: from, maxCount: 10, eventTypes: [slowType] });
      expect(held.events).toEqual([]);
      await slow.query('COMMIT');
      const found = await (async () => {
        for (let i = 0; i < 600; i++) {
          const page = await store.readAllPage({
            after: held.scannedTo,
            maxCount: 10,
            eventTypes: [slowType],
          });
          if (page.events.length > 0) return page.events;
          await new Promise((r) => setTimeout(r, 20));
        }
        return [];
      })();
      expect(found.map((e) => e.id)).toEqual([slowId]);
      expect(comparePositions(held.scannedTo, found[0].position)).toBe(-1);
    } finally {
      await slow.end();
    }
  }, 20_000);

  it('given a subscriber on one store instance, when another instance appends, then LISTEN/NOTIFY wakes it long before the fallback poll', async () => {
    const listening = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 30_000 });
    const writer = new PostgresEventStore({ connectionString: db.url, notifyDebounceMs: 1 });
    try {
      const s = `notify-${randomUUID()}`;
      const sub = listening.subscribeToAll({ after: await listening.headPosition() });
      const iterator = sub[Symbol.asyncIterator]();
      const first = iterator.next();
      // Let the subscription catch up and go to sleep first.
      await new Promise((r) => setTimeout(r, 200));
      const appendedAt = Date.now();
      await writer.append(s, [{ id: randomUUID(), type: 'Pinged', data: {} }], {
        expectedRevision: 'no_stream',
      });
      const got = await first;
      expect(got.done).toBe(false);
      expect((got.value as RecordedEvent).streamId).toBe(s);
      expect(Date.now() - appendedAt).toBeLessThan(2_000);
      await sub.close();
    } finally {
      await listening.close();
      await writer.close();
    }
  });

  it('given a subscriber whose LISTEN connection is killed, when another instance appends, then it reconnects and is woken without waiting for the fallback poll', async () => {
    const listening = new PostgresEventStore({
      connectionString: db.url,
      pollIntervalMs: 30_000,
      log: () => undefined,
    });
    const writer = new PostgresEventStore({ connectionString: db.url, notifyDebounceMs: 1 });
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      const sub = listening.subscribeToAll({ after: await listening.headPosition() });
      const iterator = sub[Symbol.asyncIterator]();
      const first = iterator.next();
      await new Promise((r) => setTimeout(r, 200));
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1`,
        [LISTEN_APPLICATION_NAME],
      );
      expect(killed.rowCount).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      const s = `relisten-${randomUUID()}`;
      const appendedAt = Date.now();
      await writer.append(s, [{ id: randomUUID(), type: 'Pinged', data: {} }], {
        expectedRevision: 'no_stream',
      });
      const got = await first;
      expect((got.value as RecordedEvent).streamId).toBe(s);
      expect(Date.now() - appendedAt).toBeLessThan(3_000);
      await sub.close();
    } finally {
      await admin.end();
      await listening.close();
      await writer.close();
    }
  }, 10_000);
});
