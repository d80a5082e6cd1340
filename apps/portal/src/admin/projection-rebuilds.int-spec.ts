import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import { readRegistry, type AnyProjection, type ProjectionContext } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { rebuildView } from './admin-projections-pages.controller';
import { ProjectionRebuilds, type RebuildJob } from './projection-rebuilds';

/** Counts events per type; `gate` holds every batch until released, `fail` makes batches throw. */
function counting(name: string, options: { gate?: Promise<void>; fail?: boolean } = {}): AnyProjection {
  return {
    name,
    version: 1,
    tables: [
      {
        base: name,
        orderBy: 'type',
        ddl: (t) => [`CREATE TABLE ${t(name)} (type text PRIMARY KEY, events bigint NOT NULL)`],
      },
    ],
    handles: (type) => type.startsWith('Thing'),
    decode: (e) => ({ type: e.type }),
    async projectBatch(events: readonly { event: { type: string } }[], ctx: ProjectionContext) {
      await options.gate;
      if (options.fail) throw new Error('projection bug: cannot count');
      return events.map(({ event }) => ({
        sql: `INSERT INTO ${ctx.t(name)} AS c VALUES ($1, 1) ON CONFLICT (type) DO UPDATE SET events = c.events + 1`,
        params: [event.type],
      }));
    },
  };
}

async function finished(rebuilds: ProjectionRebuilds, timeoutMs = 15_000): Promise<RebuildJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = rebuilds.latest();
    if (job && job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error('rebuild did not finish in time');
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

describe('ProjectionRebuilds (admin-started blue/green rebuilds)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 8 });
    pool.on('error', () => undefined);
    await migrateEventStore(pool);
    store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
    const thing = (type: string) => ({ id: randomUUID(), type, data: {} });
    await store.append('things-1', [thing('ThingMade'), thing('ThingMade'), thing('ThingSold')], {
      expectedRevision: 'no_stream',
    });
    // Readers see a commit only once no older transaction is open anywhere on the server (other test
    // files' included): wait until the three events are readable before rebuilding from them.
    const deadline = Date.now() + 15_000;
    while ((await store.readAll({ maxCount: 10 })).length < 3) {
      if (Date.now() > deadline) throw new Error('appended events never became readable');
      await new Promise((ok) => setTimeout(ok, 25));
    }
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('given a rebuild running, when another is asked for, then nothing new starts; once it finishes the job is done at 100 % and the live version went up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const projection = counting('thing_counts', { gate });
    const rebuilds = new ProjectionRebuilds();

    const first = rebuilds.start(pool, store, [projection]);
    expect(first).toMatchObject({ id: 1, state: 'running', projections: ['thing_counts'] });
    expect(rebuilds.start(pool, store, [projection])).toBeNull();
    expect(rebuilds.latest()?.state).toBe('running');

    release();
    const job = await finished(rebuilds);
    expect(job).toMatchObject({ state: 'done', error: null });
    expect(job.results).toEqual([
      expect.objectContaining({ name: 'thing_counts', fromVersion: 1, toVersion: 2, ok: true }),
    ]);
    expect(rebuildView(job)).toMatchObject({ state: 'done', percent: 100, eventsRead: 3, phase: 'done' });
    expect((await readRegistry(pool, 'thing_counts'))?.live_version).toBe(2);
    const { rows } = await pool.query('SELECT type, events::int AS n FROM thing_counts ORDER BY type');
    expect(rows).toEqual([
      { type: 'ThingMade', n: 2 },
      { type: 'ThingSold', n: 1 },
    ]);
    // The next one may start now.
    expect(rebuilds.start(pool, store, [counting('thing_counts')])).toMatchObject({ id: 2 });
    expect(await finished(rebuilds)).toMatchObject({ id: 2, state: 'done' });
  });

  it('given a projection that fails while rebuilding, then the job is failed with its error and the live version keeps serving', async () => {
    const rebuilds = new ProjectionRebuilds();
    const before = (await readRegistry(pool, 'thing_counts'))?.live_version;
    rebuilds.start(pool, store, [counting('thing_counts', { fail: true })]);
    const job = await finished(rebuilds);
    expect(job.state).toBe('failed');
    expect(job.error).toContain('projection bug: cannot count');
    expect(rebuildView(job).state).toBe('failed');
    expect((await readRegistry(pool, 'thing_counts'))?.live_version).toBe(before);
  });
});
