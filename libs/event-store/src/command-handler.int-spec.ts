import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../testing/src';
import { handleCommand } from './command-handler';
import { DomainError, type Decider } from './decider';
import { ConcurrencyError, type EventStore } from './event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';

type CounterCommand = { type: 'Add'; amount: number; limit: number };
type CounterEvent = { type: 'Added'; data: { amount: number } };
type CounterState = { total: number };

const counter: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Added':
        return { total: state.total + event.data.amount };
      default: {
        const never: never = event.type;
        return never;
      }
    }
  },
  decide: (command, state) => {
    if (command.amount === 0) return [];
    if (state.total + command.amount > command.limit)
      return new DomainError('LIMIT_EXCEEDED', 'counter would pass its limit', { total: state.total });
    return [{ type: 'Added', data: { amount: command.amount } }];
  },
};

describe('handleCommand', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 12 });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('given an empty stream, when a command decides an event, then it is appended with no_stream and stamped with the metadata', async () => {
    const streamId = `counter-${randomUUID()}`;
    const result = await handleCommand({
      store,
      streamId,
      decider: counter,
      command: { type: 'Add', amount: 3, limit: 10 },
      metadata: { correlationId: 'corr-1', idempotencyKey: 'k1' },
    });
    expect(result.state).toEqual({ total: 3 });
    expect(result.nextExpectedRevision).toBe(0n);
    const [stored] = await store.readStream(streamId);
    expect(stored.type).toBe('Added');
    expect(stored.data).toEqual({ amount: 3 });
    expect(stored.metadata).toEqual({ correlationId: 'corr-1', idempotencyKey: 'k1' });
  });

  it('given a decision of no events, when handled, then nothing is appended and the current revision comes back', async () => {
    const streamId = `counter-${randomUUID()}`;
    const empty = await handleCommand({
      store,
      streamId,
      decider: counter,
      command: { type: 'Add', amount: 0, limit: 10 },
    });
    expect(empty).toMatchObject({ events: [], nextExpectedRevision: 'no_stream' });
    await handleCommand({
      store,
      streamId,
      decider: counter,
      command: { type: 'Add', amount: 1, limit: 10 },
    });
    const none = await handleCommand({
      store,
      streamId,
      decider: counter,
      command: { type: 'Add', amount: 0, limit: 10 },
    });
    expect(none).toMatchObject({ events: [], nextExpectedRevision: 0n, state: { total: 1 } });
  });

  it('given a counter near its limit, when a command would pass it, then the DomainError is thrown and nothing is appended', async () => {
    const streamId = `counter-${randomUUID()}`;
    await handleCommand({
      store,
      streamId,
      decider: counter,
      command: { type: 'Add', amount: 9, limit: 10 },
    });
    await expect(
      handleCommand({ store, streamId, decider: counter, command: { type: 'Add', amount: 2, limit: 10 } }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { total: 9 } });
    expect(await store.readStream(streamId)).toHaveLength(1);
  });

  it('given 10 concurrent commands on one stream, when each re-runs on conflict, then every one lands and the invariant holds', async () => {
    const streamId = `counter-${randomUUID()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        handleCommand({
          store,
          streamId,
          decider: counter,
          command: { type: 'Add', amount: 1, limit: 7 },
          maxAttempts: 20,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(7);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(DomainError);
    expect((await store.readStream(streamId)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it('given a competing writer that appends between every read and append, when handled with maxAttempts 3, then it tries 3 times and rethrows the ConcurrencyError', async () => {
    let reads = 0;
    // The real store, with another writer's append slipped in right after each read.
    const contended: EventStore = {
      readStream: async (id, o) => {
        reads++;
        const history = await store.readStream(id, o);
        await store.append(id, [{ id: randomUUID(), type: 'Added', data: { amount: 0 } }], {
          expectedRevision: 'any',
        });
        return history;
      },
      append: (id, events, o) => store.append(id, events, o),
      readAll: (o) => store.readAll(o),
      readAllPage: (o) => store.readAllPage(o),
      headPosition: () => store.headPosition(),
      subscribeToAll: (o) => store.subscribeToAll(o),
      close: async () => undefined,
    };
    const streamId = `counter-${randomUUID()}`;
    await expect(
      handleCommand({
        store: contended,
        streamId,
        decider: counter,
        command: { type: 'Add', amount: 1, limit: 10 },
        maxAttempts: 3,
      }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(reads).toBe(3);
    expect((await store.readStream(streamId)).map((e) => e.data)).toEqual([
      { amount: 0 },
      { amount: 0 },
      { amount: 0 },
    ]);
  });
});
