import { randomUUID } from 'node:crypto';
import { comparePositions, formatPosition, parsePosition, type GlobalPosition } from '@tollgate/event-store';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import type { AnyProjection } from './projection';
import { ProjectionRunner } from './runner';
import { migrateProjectionRuntime } from './schema';
import { projectionStatus, waitForProjections } from './status';

const quiet = (): void => undefined;

/** A read model of one event type (`NoteAdded`) in a store where most events are of other types. */
function notesProjection(name: string): AnyProjection {
  const handled = new Set(['NoteAdded']);
  return {
    name,
    version: 1,
    tables: [
      {
        base: name,
        orderBy: 'id',
        ddl: (t) => [`CREATE TABLE ${t(name)} (id text PRIMARY KEY, text text NOT NULL)`],
      },
    ],
    handles: (type) => handled.has(type),
    eventTypes: [...handled],
    decode: (e) => {
      const text = (e.data as { text?: unknown }).text;
      if (typeof text !== 'string') throw new Error('text missing');
      return { text };
    },
    projectBatch: async (events, ctx) =>
      events.map(({ event, recorded }) => ({
        sql: `INSERT INTO ${ctx.t(name)} (id, text) VALUES ($1, $2)`,
        params: [recorded.id, (event as { text: string }).text],
      })),
  };
}

describe('projection runner reading only the types a projection handles', () => {
  let env: ProjectionTestEnv;

  beforeAll(async () => {
    env = await projectionTestEnv();
    await migrateProjectionRuntime(env.pool);
    // Counts checkpoint writes per projection (the cost the type filter and the interval bound).
    await env.pool.query(`
      CREATE TABLE checkpoint_writes (name text NOT NULL);
      CREATE FUNCTION count_checkpoint_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO checkpoint_writes (name) VALUES (NEW.name); RETURN NEW; END $$;
      CREATE TRIGGER count_checkpoint_write AFTER UPDATE ON projection_checkpoints
        FOR EACH ROW EXECUTE FUNCTION count_checkpoint_write();`);
  });
  afterAll(async () => {
    await env.close();
  });

  const note = (text: string) => ({ id: randomUUID(), type: 'NoteAdded', data: { text } });
  const noise = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: 'Noise', data: { i } }));

  async function appendNoise(appends: number, perAppend: number, pauseMs = 0): Promise<void> {
    for (let i = 0; i < appends; i++) {
      await env.store.append(`noise-${randomUUID()}`, noise(perAppend), { expectedRevision: 'no_stream' });
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  async function writes(name: string): Promise<number> {
    const { rows } = await env.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM checkpoint_writes WHERE name = $1',
      [name],
    );
    return rows[0].n;
  }

  async function checkpoint(name: string): Promise<GlobalPosition> {
    const { rows } = await env.pool.query<{ position: string }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1',
      [name],
    );
    return parsePosition(rows[0].position);
  }

  async function notes(name: string): Promise<string[]> {
    const { rows } = await env.pool.query<{ text: string }>(`SELECT text FROM ${name} ORDER BY text`);
    return rows.map((r) => r.text);
  }

  it('given a backlog of 3,000 other events around 3 notes, when the runner catches up in pages of 100, then it applies the notes, reaches the head and writes its checkpoint a few times, not once per page', async () => {
    const p = notesProjection('notes_backlog');
    await appendNoise(10, 100);
    await env.store.append(`notes-${randomUUID()}`, [note('a')], { expectedRevision: 'no_stream' });
    await appendNoise(10, 100);
    await env.store.append(`notes-${randomUUID()}`, [note('b'), note('c')], {
      expectedRevision: 'no_stream',
    });
    await appendNoise(10, 100);
    const runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [p],
      batchSize: 100,
      log: quiet,
    });
    await runner.start();
    try {
      await waitForProjections(env.pool, env.store, [p.name], { until: env.last(), timeoutMs: 10_000 });
      expect(await notes(p.name)).toEqual(['a', 'b', 'c']);
      // Unfiltered, 3,003 events in pages of 100 were 31 checkpoint transactions.
      expect(await writes(p.name)).toBeLessThanOrEqual(3);
      const [status] = await projectionStatus(env.pool, env.store, [p]);
      expect([status.checkpoint, status.lagEvents]).toEqual([formatPosition(env.last()), 0]);
    } finally {
      await runner.stop();
    }
  });

  it('given a live runner, when other events keep arriving one append at a time, then its checkpoint still reaches each head within about the checkpoint interval, written a bounded number of times', async () => {
    const p = notesProjection('notes_live');
    const runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [p],
      checkpointIntervalMs: 300,
      log: quiet,
    });
    await runner.start();
    try {
      await waitForProjections(env.pool, env.store, [p.name], { until: env.last(), timeoutMs: 10_000 });
      const before = await writes(p.name);
      await env.store.append(`notes-${randomUUID()}`, [note('live')], { expectedRevision: 'no_stream' });
      const started = Date.now();
      await appendNoise(40, 5, 10);
      await waitForProjections(env.pool, env.store, [p.name], { until: env.last(), timeoutMs: 10_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await notes(p.name)).toContain('live');
      // One write for the note, then at most one per 300 ms while ~40 appends of noise arrive.
      const elapsedMs = Date.now() - started;
      expect((await writes(p.name)) - before).toBeLessThanOrEqual(2 + Math.ceil(elapsedMs / 300));
      expect((await writes(p.name)) - before).toBeLessThan(20);
    } finally {
      await runner.stop();
    }
  });

  it('given a long checkpoint interval, when only other events follow a note, then the checkpoint waits at the note with no lag reported, and stopping writes the head', async () => {
    const p = notesProjection('notes_deferred');
    const runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [p],
      checkpointIntervalMs: 60_000,
      log: quiet,
    });
    await runner.start();
    await waitForProjections(env.pool, env.store, [p.name], { until: env.last(), timeoutMs: 10_000 });
    const noted = await env.store.append(`notes-${randomUUID()}`, [note('deferred')], {
      expectedRevision: 'no_stream',
    });
    await waitForProjections(env.pool, env.store, [p.name], { until: noted.position, timeoutMs: 10_000 });
    await appendNoise(5, 10);
    await new Promise((r) => setTimeout(r, 400));
    expect(formatPosition(await checkpoint(p.name))).toBe(formatPosition(noted.position));
    const [status] = await projectionStatus(env.pool, env.store, [p]);
    expect(status.lagEvents).toBe(0);
    expect(status.lagSeconds).toBe(0);
    await runner.stop();
    expect(comparePositions(await checkpoint(p.name), env.last())).toBe(0);
  });

  it('given a projection that declares a type its handler does not accept, when a runner starts, then it refuses, naming both', async () => {
    const drifted: AnyProjection = {
      ...notesProjection('notes_drifted'),
      eventTypes: ['NoteAdded', 'NoteRemoved'],
    };
    const runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [drifted],
      log: quiet,
    });
    await expect(runner.start()).rejects.toThrow(
      'projection notes_drifted declares NoteRemoved but does not handle it',
    );
  });

  it('given a runner whose live batches come faster than its lock retry, restarted on pooled clients, then no abort or error listeners pile up', async () => {
    const p = notesProjection('notes_listeners');
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      for (let round = 0; round < 3; round++) {
        const runner = new ProjectionRunner({
          pool: env.pool,
          store: env.store,
          projections: [p],
          lockRetryMs: 5_000,
          checkpointIntervalMs: 5_000,
          log: quiet,
        });
        await runner.start();
        await waitForProjections(env.pool, env.store, [p.name], { until: env.last(), timeoutMs: 10_000 });
        // Each note arrives on its own: one wait for the next event per note.
        for (let i = 0; i < 15; i++) {
          const r = await env.store.append(`notes-${randomUUID()}`, [note(`r${round}-${i}`)], {
            expectedRevision: 'no_stream',
          });
          await waitForProjections(env.pool, env.store, [p.name], {
            until: r.position,
            timeoutMs: 10_000,
            pollMs: 5,
          });
        }
        await runner.stop();
      }
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      expect((await notes(p.name)).filter((t) => /^r\d/.test(t))).toHaveLength(45);
      // Every idle client the runners used comes back from the pool without a listener of theirs.
      const idle = await Promise.all(Array.from({ length: env.pool.idleCount }, () => env.pool.connect()));
      try {
        expect(idle.map((c) => c.listenerCount('error'))).toEqual(idle.map(() => 0));
      } finally {
        for (const c of idle) c.release();
      }
    } finally {
      process.off('warning', onWarning);
    }
  }, 30_000);
});
