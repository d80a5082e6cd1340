import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  comparePositions,
  ConcurrencyError,
  type EventStore,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
} from '../event-store';

export interface ContractSubject {
  store: EventStore;
  /** Releases everything the factory made (the store is closed by the suite before this). */
  dispose(): Promise<void>;
}

const SUITE_TIMEOUT_MS = 20_000;

function newEvent(type: string, data: unknown = {}, metadata?: NewEvent['metadata']): NewEvent {
  return { id: randomUUID(), type, data, metadata };
}

function events(n: number, type = 'Counted'): NewEvent[] {
  return Array.from({ length: n }, (_, i) => newEvent(type, { i }));
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectConflict(
  promise: Promise<unknown>,
  fields: Pick<ConcurrencyError, 'streamId' | 'expected' | 'actual'>,
): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConcurrencyError);
  const c = err as ConcurrencyError;
  expect({ streamId: c.streamId, expected: c.expected, actual: c.actual, code: c.code }).toEqual({
    ...fields,
    code: 'CONCURRENCY_CONFLICT',
  });
}

/** Reads $all after `from` up to `limit` events of streams starting with `prefix`, paging by `page`. */
async function readAllOf(
  store: EventStore,
  prefix: string,
  from: GlobalPosition,
  page = 100,
  limitPages = 1_000,
): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let after = from;
  for (let i = 0; i < limitPages; i++) {
    const batch = await store.readAll({ after, maxCount: page });
    for (const e of batch) if (e.streamId.startsWith(prefix)) out.push(e);
    if (batch.length < page) return out;
    after = batch[batch.length - 1].position;
  }
  throw new Error('readAllOf: too many pages');
}

function expectStrictlyIncreasing(positions: GlobalPosition[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (comparePositions(positions[i - 1], positions[i]) >= 0)
      throw new Error(`positions not strictly increasing at ${i}`);
  }
}

/**
 * The EventStore contract. Every adapter must pass it; each test uses its own stream names so a shared
 * (non-empty) store works too.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    const run = randomUUID().slice(0, 8);
    let n = 0;
    const stream = (label: string): string => `c${run}-${label}-${n++}`;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await store?.close();
      await subject?.dispose();
    }, SUITE_TIMEOUT_MS);

    describe('append and read a stream', () => {
      it('given a new stream, when events are appended with no_stream, then they read back forwards with revisions from 0 and a full envelope', async () => {
        const s = stream('envelope');
        const input = [
          newEvent('Opened', { owner: 'ann', amount: '12.50' }, { correlationId: 'c1', actor: 'u1' }),
          newEvent('Renamed', { name: 'x' }),
          newEvent('Closed', { reason: null }),
        ];
        const before = Date.now();
        const result = await store.append(s, input, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2n);

        const read = await store.readStream(s);
        expect(read.map((e) => [e.id, e.type, e.data, e.streamId, e.revision])).toEqual(
          input.map((e, i) => [e.id, e.type, e.data, s, BigInt(i)]),
        );
        expect(read[0].metadata).toEqual({ correlationId: 'c1', actor: 'u1' });
        expect(read[1].metadata).toEqual({});
        for (const e of read) {
          expect(e.recordedAt).toBeInstanceOf(Date);
          expect(Math.abs(e.recordedAt.getTime() - before)).toBeLessThan(60_000);
        }
        expectStrictlyIncreasing(read.map((e) => e.position));
        expect(comparePositions(read[2].position, result.position)).toBe(0);
      });

      it('given a stream of 10 events, when read backwards, from a revision, or with maxCount, then exactly those events come back in that order', async () => {
        const s = stream('ranges');
        await store.append(s, events(10), { expectedRevision: 'no_stream' });
        const revs = (list: RecordedEvent[]): number[] => list.map((e) => Number(e.revision));

        expect(revs(await store.readStream(s, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(revs(await store.readStream(s, { fromRevision: 7n }))).toEqual([7, 8, 9]);
        expect(revs(await store.readStream(s, { maxCount: 3 }))).toEqual([0, 1, 2]);
        expect(revs(await store.readStream(s, { fromRevision: 4n, maxCount: 2 }))).toEqual([4, 5]);
        expect(
          revs(await store.readStream(s, { direction: 'backwards', fromRevision: 3n, maxCount: 2 })),
        ).toEqual([3, 2]);
        expect(revs(await store.readStream(s, { direction: 'backwards', maxCount: 1 }))).toEqual([9]);
        expect(await store.readStream(s, { fromRevision: 10n })).toEqual([]);
      });

      it('given no such stream, when it is read, then the result is empty', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
        expect(await store.readStream(stream('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('expected revision', () => {
      it('given a stream at revision 1, when appending with expected 1, then it succeeds and the next expected revision is 3', async () => {
        const s = stream('number');
        await store.append(s, events(2), { expectedRevision: 'no_stream' });
        const r = await store.append(s, events(2), { expectedRevision: 1n });
        expect(r.nextExpectedRevision).toBe(3n);
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      });

      it('given a stream at revision 2, when appending with a stale expected revision, then a ConcurrencyError carries expected and actual and nothing is written', async () => {
        const s = stream('stale');
        await store.append(s, events(3), { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, events(1), { expectedRevision: 0n }), {
          streamId: s,
          expected: 0n,
          actual: 2n,
        });
        await expectConflict(store.append(s, events(1), { expectedRevision: 5n }), {
          streamId: s,
          expected: 5n,
          actual: 2n,
        });
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('given an existing stream, when appending with no_stream, then a ConcurrencyError reports its last revision', async () => {
        const s = stream('exists');
        await store.append(s, events(1), { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, events(1), { expectedRevision: 'no_stream' }), {
          streamId: s,
          expected: 'no_stream',
          actual: 0n,
        });
      });

      it('given no stream, when appending with a revision number, then a ConcurrencyError reports no_stream', async () => {
        const s = stream('absent');
        await expectConflict(store.append(s, events(1), { expectedRevision: 0n }), {
          streamId: s,
          expected: 0n,
          actual: 'no_stream',
        });
        expect(await store.readStream(s)).toEqual([]);
      });

      it('given any, when appending to a missing and then an existing stream, then both appends succeed in order', async () => {
        const s = stream('any');
        expect((await store.append(s, events(2), { expectedRevision: 'any' })).nextExpectedRevision).toBe(1n);
        expect((await store.append(s, events(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(2n);
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      });

      it('given two writers with the same expected revision, when both append at once, then exactly one wins and the other gets a ConcurrencyError', async () => {
        const s = stream('race');
        await store.append(s, events(1), { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, () => store.append(s, events(1), { expectedRevision: 0n })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((x) => x.status === 'rejected'))
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('idempotent appends', () => {
      it('given events appended with no_stream, when the same ids are appended again the same way, then it succeeds without duplicates in the stream or in $all', async () => {
        const s = stream('idem');
        const from = await store.headPosition();
        const batch = events(3);
        const first = await store.append(s, batch, { expectedRevision: 'no_stream' });
        const again = await store.append(s, batch, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(await store.readStream(s)).toHaveLength(3);
        const all = await eventually(async () => {
          const got = await readAllOf(store, s, from);
          return got.length >= 3 ? got : undefined;
        });
        expect(all.map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      it('given a later append, when an earlier append is retried with its original expected revision, then it succeeds without writing', async () => {
        const s = stream('idem-number');
        await store.append(s, events(1), { expectedRevision: 'no_stream' });
        const second = events(2);
        const r = await store.append(s, second, { expectedRevision: 0n });
        await store.append(s, events(1), { expectedRevision: 2n });
        const retry = await store.append(s, second, { expectedRevision: 0n });
        expect(retry.nextExpectedRevision).toBe(r.nextExpectedRevision);
        expect(await store.readStream(s)).toHaveLength(4);
      });

      it('given events appended with any, when the same ids are appended with any again, then no duplicates appear', async () => {
        const s = stream('idem-any');
        const batch = events(2);
        await store.append(s, batch, { expectedRevision: 'any' });
        await store.append(s, batch, { expectedRevision: 'any' });
        expect((await store.readStream(s)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      it('given stored events, when a different batch reuses the revision, then it is a conflict, not idempotent', async () => {
        const s = stream('idem-other');
        await store.append(s, events(2), { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, events(2), { expectedRevision: 'no_stream' }), {
          streamId: s,
          expected: 'no_stream',
          actual: 1n,
        });
      });
    });

    describe('$all', () => {
      it('given events in several streams, when $all is read in pages with after, then every event comes once, in append order, with increasing positions', async () => {
        const prefix = stream('all');
        const from = await store.headPosition();
        const appended: string[] = [];
        for (let i = 0; i < 5; i++) {
          const batch = events(i + 1);
          await store.append(`${prefix}-${i % 3}`, batch, { expectedRevision: 'any' });
          appended.push(...batch.map((e) => e.id));
        }
        const read = await eventually(async () => {
          const got = await readAllOf(store, prefix, from, 4);
          return got.length >= appended.length ? got : undefined;
        });
        expect(read.map((e) => e.id)).toEqual(appended);
        expectStrictlyIncreasing(read.map((e) => e.position));
        const head = await store.headPosition();
        expect(comparePositions(head, read[read.length - 1].position)).toBeGreaterThanOrEqual(0);
        expect(await readAllOf(store, prefix, read[read.length - 1].position)).toEqual([]);
      });

      it('given maxCount 0 or a position past the end, when $all is read, then nothing comes back', async () => {
        expect(await store.readAll({ maxCount: 0 })).toEqual([]);
        const s = stream('end');
        await store.append(s, events(1), { expectedRevision: 'no_stream' });
        const last = await eventually(async () => {
          const [e] = await store.readStream(s);
          const head = await store.headPosition();
          return comparePositions(head, e.position) >= 0 ? head : undefined;
        });
        const after = await store.readAll({ after: last, maxCount: 10 });
        expect(after.filter((e) => e.streamId === s)).toEqual([]);
      });
    });

    describe('$all filtered by event type', () => {
      // Types unique to this run, so other tests' events in a shared store never match.
      const typeA = `A${run}`;
      const typeB = `B${run}`;
      const typeC = `C${run}`;

      /** Appends, in order, one event per type letter to rotating streams; returns them with positions. */
      async function appendTypes(prefix: string, letters: string): Promise<NewEvent[]> {
        const out: NewEvent[] = [];
        for (let i = 0; i < letters.length; i++) {
          const type = { A: typeA, B: typeB, C: typeC }[letters[i] as 'A' | 'B' | 'C'];
          const e = newEvent(type, { i });
          await store.append(`${prefix}-${i % 3}`, [e], { expectedRevision: 'any' });
          out.push(e);
        }
        return out;
      }

      it('given events of three types, when $all is read in pages filtered to two, then exactly those come, in order, and every page tells where the next starts', async () => {
        const from = await store.headPosition();
        const appended = await appendTypes(stream('ft'), 'ABBCABBBCAB');
        const wanted = appended.filter((e) => e.type !== typeB).map((e) => e.id);
        const read = await eventually(async () => {
          const got: RecordedEvent[] = [];
          let after = from;
          for (let i = 0; i < 100; i++) {
            const page = await store.readAllPage({ after, maxCount: 2, eventTypes: [typeA, typeC] });
            expect(comparePositions(page.scannedTo, after)).toBeGreaterThanOrEqual(0);
            if (page.events.length === 2)
              expect(page.scannedTo).toEqual(page.events[page.events.length - 1].position);
            got.push(...page.events);
            if (page.events.length < 2)
              return got.length >= wanted.length ? { got, end: page.scannedTo } : undefined;
            after = page.scannedTo;
          }
          return undefined;
        });
        expect(read.got.map((e) => e.id)).toEqual(wanted);
        expect(read.got.map((e) => e.type)).toEqual(
          appended.filter((e) => e.type !== typeB).map((e) => e.type),
        );
        expectStrictlyIncreasing(read.got.map((e) => e.position));
        // The last page (not full) scanned up to at least the last event appended, a skipped B included.
        const [lastEvent] = (await store.readAll({ after: from, eventTypes: [typeA, typeB, typeC] })).slice(
          -1,
        );
        expect(lastEvent.id).toBe(appended[appended.length - 1].id);
        expect(comparePositions(read.end, lastEvent.position)).toBeGreaterThanOrEqual(0);
        // readAll takes the same filter.
        const plain = await store.readAll({ after: from, eventTypes: [typeA, typeC] });
        expect(plain.map((e) => e.id)).toEqual(wanted);
      });

      it('given events the filter skips at the end of $all, when a caught-up reader reads, then it gets nothing but its cursor moves past them', async () => {
        const from = await store.headPosition();
        const appended = await appendTypes(stream('tail'), 'ABBBB');
        const lastB = await eventually(async () => {
          const got = await store.readAll({ after: from, eventTypes: [typeB] });
          return got.length === 4 ? got[3].position : undefined;
        });
        const page = await store.readAllPage({ after: from, maxCount: 10, eventTypes: [typeA] });
        expect(page.events.map((e) => e.id)).toEqual([appended[0].id]);
        expect(comparePositions(page.scannedTo, lastB)).toBeGreaterThanOrEqual(0);
        const next = await store.readAllPage({ after: page.scannedTo, maxCount: 10, eventTypes: [typeA] });
        expect(next.events).toEqual([]);
        expect(comparePositions(next.scannedTo, page.scannedTo)).toBeGreaterThanOrEqual(0);
        expect(await store.readAll({ after: from, maxCount: 10, eventTypes: [] })).toEqual([]);
      });

      it('given a subscription filtered to one type, when events of several types are appended, then only that type arrives, in order', async () => {
        const from = await store.headPosition();
        const sub = store.subscribeToAll({ after: from, eventTypes: [typeC] });
        const appended = await appendTypes(stream('fsub'), 'ACBBCAAC');
        const wanted = appended.filter((e) => e.type === typeC).map((e) => e.id);
        const seen: RecordedEvent[] = [];
        const timeout = setTimeout(() => void sub.close(), 10_000);
        for await (const e of sub) {
          seen.push(e);
          if (seen.length === wanted.length) break;
        }
        clearTimeout(timeout);
        expect(seen.map((e) => e.id)).toEqual(wanted);
        expect(new Set(seen.map((e) => e.type))).toEqual(new Set([typeC]));
      });
    });

    describe('subscribeToAll', () => {
      it('given existing events, when subscribing and then appending, then it delivers the old events and then the new ones live', async () => {
        const prefix = stream('sub');
        const from = await store.headPosition();
        const old = events(3);
        await store.append(`${prefix}-a`, old, { expectedRevision: 'no_stream' });
        const sub = store.subscribeToAll({ after: from });
        const seen: string[] = [];
        const later = events(2);
        let appendedLive = false;
        for await (const e of sub) {
          if (!e.streamId.startsWith(prefix)) continue;
          seen.push(e.id);
          if (seen.length === old.length && !appendedLive) {
            appendedLive = true;
            await store.append(`${prefix}-b`, later, { expectedRevision: 'no_stream' });
          }
          if (seen.length === old.length + later.length) break;
        }
        expect(seen).toEqual([...old, ...later].map((e) => e.id));
        expect(sub.bufferedCount).toBe(0);
      });

      it('given a subscription waiting live, when an abort signal fires, then the iteration ends', async () => {
        const controller = new AbortController();
        const sub = store.subscribeToAll({ after: await store.headPosition(), signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        const got: RecordedEvent[] = [];
        const started = Date.now();
        for await (const e of sub) got.push(e);
        expect(Date.now() - started).toBeLessThan(3_000);
      });

      it('given many events and a slow consumer, when subscribed with a small buffer, then the subscription never buffers more than bufferSize plus one page', async () => {
        const prefix = stream('bp');
        const from = await store.headPosition();
        for (let i = 0; i < 6; i++)
          await store.append(`${prefix}-${i}`, events(50), { expectedRevision: 'no_stream' });
        const bufferSize = 20;
        const sub = store.subscribeToAll({ after: from, bufferSize });
        let count = 0;
        let maxBuffered = 0;
        for await (const e of sub) {
          if (e.streamId.startsWith(prefix)) count++;
          maxBuffered = Math.max(maxBuffered, sub.bufferedCount);
          if (count % 25 === 0) await new Promise((r) => setTimeout(r, 30));
          if (count === 300) break;
        }
        expect(count).toBe(300);
        expect(maxBuffered).toBeGreaterThan(0);
        expect(maxBuffered).toBeLessThanOrEqual(bufferSize * 2);
      });

      it('given 8 concurrent writers, when a subscriber and a polling $all reader run meanwhile, then both see every event exactly once in one order with increasing positions', async () => {
        const prefix = stream('conc');
        const from = await store.headPosition();
        const writers = 8;
        const appendsPerWriter = 25;
        const expectedIds = new Set<string>();
        const sub = store.subscribeToAll({ after: from, bufferSize: 64 });

        const subscriberSeen: RecordedEvent[] = [];
        let total = -1;
        const subscriber = (async () => {
          for await (const e of sub) {
            if (e.streamId.startsWith(prefix)) subscriberSeen.push(e);
            if (total >= 0 && subscriberSeen.length >= total) break;
          }
        })();

        let writing = true;
        const pollerSeen: RecordedEvent[] = [];
        const poller = (async () => {
          let after = from;
          for (let i = 0; i < 10_000; i++) {
            const batch = await store.readAll({ after, maxCount: 50 });
            for (const e of batch) if (e.streamId.startsWith(prefix)) pollerSeen.push(e);
            if (batch.length > 0) after = batch[batch.length - 1].position;
            if (!writing && total >= 0 && pollerSeen.length >= total) return;
            if (batch.length === 0) await new Promise((r) => setTimeout(r, 5));
          }
        })();

        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < appendsPerWriter; i++) {
              const batch = events(1 + (i % 3));
              // Every other append goes to one stream all writers contend on.
              const target = (w + i) % 2 === 0 ? `${prefix}-w${w}` : `${prefix}-shared`;
              await store.append(target, batch, { expectedRevision: 'any' });
              for (const e of batch) expectedIds.add(e.id);
            }
          }),
        );
        writing = false;
        total = expectedIds.size;
        if (subscriberSeen.length >= total) void sub.close();
        const timeout = setTimeout(() => void sub.close(), 10_000);
        await Promise.all([subscriber, poller]);
        clearTimeout(timeout);

        expect(subscriberSeen).toHaveLength(total);
        expect(new Set(subscriberSeen.map((e) => e.id))).toEqual(expectedIds);
        expectStrictlyIncreasing(subscriberSeen.map((e) => e.position));
        expect(pollerSeen.map((e) => e.id)).toEqual(subscriberSeen.map((e) => e.id));
        const shared = subscriberSeen.filter((e) => e.streamId === `${prefix}-shared`);
        expect(shared.map((e) => e.revision)).toEqual(shared.map((_, i) => BigInt(i)));
      }, 15_000);
    });
  });
}
