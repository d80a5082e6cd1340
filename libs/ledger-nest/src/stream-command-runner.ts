import {
  ConcurrencyError,
  DecidedEvent,
  Decider,
  DomainError,
  EventMetadata,
  EventStore,
  isDomainError,
  NewEvent,
  RecordedEvent,
} from '@tollgate/event-store';
import { randomUUID } from 'node:crypto';

/**
 * `handleCommand` (read → fold → decide → append, re-run on ConcurrencyError) with two additions that
 * matter for long, hot account streams (every credit lease adds two events):
 *
 * - a per-process cache of each stream's folded state and revision, so a command reads and folds
 *   only the events appended since (by anyone) instead of the whole stream — and each stored event is
 *   validated by zod once per process, not once per command;
 * - per-stream serialization inside the process, so concurrent commands on one account in one
 *   gateway/portal do not burn retries against each other; ConcurrencyError then only arises between
 *   processes and is retried (bounded) exactly as handleCommand does.
 *
 * Semantics are handleCommand's: same decider, same expected-revision append, DomainError thrown
 * unchanged, ConcurrencyError rethrown after `maxAttempts`. The cache is only an accelerator: state at
 * revision N plus the events after N is, by definition of evolve, the state at the head. It assumes
 * streams are append-only (never truncated or deleted).
 */
export interface StreamCommandRunnerOptions {
  /** Read → decide → append attempts per command (cross-process conflicts). */
  maxAttempts?: number;
  /** Streams whose state is kept (least recently used evicted). */
  maxCachedStreams?: number;
  /** Commands allowed to wait for one stream inside this process before STREAM_BUSY. */
  maxQueuedPerStream?: number;
  /** Events per read while catching up. */
  readPageSize?: number;
}

export interface StreamCommandResult<TEvent, TState> {
  /** The events this command appended (empty for an idempotent replay / nothing decided). */
  events: TEvent[];
  /** The stream's state after the command. Shared with the cache: read it, do not keep or mutate it. */
  state: TState;
  nextExpectedRevision: bigint | 'no_stream';
  attempts: number;
}

export interface StreamSpec<TCommand, TEvent extends DecidedEvent, TState> {
  streamId: string;
  decider: Decider<TCommand, TEvent, TState>;
  /** Validates/upcasts a stored event into the decider's event; throws on corrupt data. */
  parse: (event: RecordedEvent) => TEvent;
}

interface CachedStream {
  state: unknown;
  revision: bigint | 'no_stream';
  decider: unknown;
}

interface StreamLock {
  tail: Promise<void>;
  waiting: number;
}

const DEFAULTS = { maxAttempts: 10, maxCachedStreams: 512, maxQueuedPerStream: 1_000, readPageSize: 5_000 };
/** Hard stop for catching up one stream in one go (bounded loop). */
const MAX_CATCH_UP_PAGES = 10_000;

export class StreamCommandRunner {
  private readonly options: Required<StreamCommandRunnerOptions>;
  private readonly cache = new Map<string, CachedStream>();
  private readonly locks = new Map<string, StreamLock>();

  constructor(
    private readonly store: EventStore,
    options: StreamCommandRunnerOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    if (
      !Number.isInteger(this.options.maxAttempts) ||
      this.options.maxAttempts < 1 ||
      this.options.maxAttempts > 100
    )
      throw new RangeError(`invalid maxAttempts: ${this.options.maxAttempts}`);
  }

  /** Runs one command against its stream; see the class comment. */
  run<TCommand, TEvent extends DecidedEvent, TState>(
    spec: StreamSpec<TCommand, TEvent, TState>,
    command: TCommand,
    metadata: EventMetadata = {},
  ): Promise<StreamCommandResult<TEvent, TState>> {
    return this.withStreamLock(spec.streamId, async () => {
      for (let attempt = 1; ; attempt++) {
        const cached = await this.catchUp(spec);
        const decided = spec.decider.decide(command, cached.state as TState);
        if (isDomainError(decided)) throw decided;
        const events = [...decided];
        if (events.length === 0)
          return {
            events,
            state: cached.state as TState,
            nextExpectedRevision: cached.revision,
            attempts: attempt,
          };
        const toAppend: NewEvent[] = events.map((e) => ({
          id: randomUUID(),
          type: e.type,
          data: e.data,
          metadata: { ...metadata },
        }));
        let appended: bigint;
        try {
          appended = (await this.store.append(spec.streamId, toAppend, { expectedRevision: cached.revision }))
            .nextExpectedRevision;
        } catch (err) {
          if (!(err instanceof ConcurrencyError) || attempt >= this.options.maxAttempts) throw err;
          continue; // another process appended: catch up from our revision and decide again
        }
        try {
          let state = cached.state as TState;
          for (const e of events) state = spec.decider.evolve(state, e);
          cached.state = state;
          cached.revision = appended;
        } catch (err) {
          this.cache.delete(spec.streamId);
          throw err;
        }
        return { events, state: cached.state as TState, nextExpectedRevision: appended, attempts: attempt };
      }
    });
  }

  /** Reads the stream's current state (caught up) and returns what `select` picks from it. */
  read<TCommand, TEvent extends DecidedEvent, TState, R>(
    spec: StreamSpec<TCommand, TEvent, TState>,
    select: (state: TState) => R,
  ): Promise<R> {
    return this.withStreamLock(spec.streamId, async () => select((await this.catchUp(spec)).state as TState));
  }

  /** Forgets cached state (e.g. after a projection rebuild in tests). */
  clear(): void {
    this.cache.clear();
  }

  private async catchUp<TCommand, TEvent extends DecidedEvent, TState>(
    spec: StreamSpec<TCommand, TEvent, TState>,
  ): Promise<CachedStream> {
    let cached = this.cache.get(spec.streamId);
    if (cached && cached.decider !== spec.decider) cached = undefined; // same id, other decider: start over
    if (cached) this.cache.delete(spec.streamId); // re-inserted below: LRU order
    const entry: CachedStream = cached ?? {
      state: spec.decider.initialState(),
      revision: 'no_stream',
      decider: spec.decider,
    };
    // The entry is out of the cache while it is folded: if a parse/evolve throws, the half-folded
    // state is dropped and the next command starts from a clean read.
    for (let page = 0; ; page++) {
      if (page >= MAX_CATCH_UP_PAGES) throw new Error(`stream ${spec.streamId}: too many events to catch up`);
      const from = entry.revision === 'no_stream' ? 0n : entry.revision + 1n;
      const batch = await this.store.readStream(spec.streamId, {
        fromRevision: from,
        maxCount: this.options.readPageSize,
      });
      let state = entry.state as TState;
      for (const recorded of batch) {
        state = spec.decider.evolve(state, spec.parse(recorded));
        entry.revision = recorded.revision;
      }
      entry.state = state;
      if (batch.length < this.options.readPageSize) break;
    }
    this.cache.set(spec.streamId, entry);
    while (this.cache.size > this.options.maxCachedStreams) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
    return entry;
  }

  private async withStreamLock<T>(streamId: string, fn: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(streamId);
    if (!lock) {
      lock = { tail: Promise.resolve(), waiting: 0 };
      this.locks.set(streamId, lock);
    }
    if (lock.waiting >= this.options.maxQueuedPerStream)
      throw new DomainError('STREAM_BUSY', `too many commands waiting for ${streamId}`, { streamId });
    lock.waiting += 1;
    const previous = lock.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    lock.tail = previous.then(() => mine);
    await previous;
    try {
      return await fn();
    } finally {
      lock.waiting -= 1;
      if (lock.waiting === 0 && this.locks.get(streamId) === lock) this.locks.delete(streamId);
      release();
    }
  }
}
