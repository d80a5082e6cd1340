import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START as ESDB_START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  ConcurrencyError,
  comparePositions,
  START,
  type AllPage,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store';

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` … */
  connectionString?: string;
  /** … or a client the caller owns (not disposed on close). */
  client?: EventStoreDBClient;
}

const DEFAULT_BUFFER_SIZE = 1_000;
const MAX_READ_COUNT = 100_000;
/** `$all` holds system events we skip; bound how many chunks one readAll may scan to fill its page. */
const MAX_READ_ALL_CHUNKS = 1_000;
const READ_ALL_CHUNK = 500;

type AnyRecorded = NonNullable<ResolvedEvent['event']> | NonNullable<AllStreamResolvedEvent['event']>;

function isSystem(e: { type: string; streamId: string }): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$');
}

function toPosition(p: Position | undefined, fallbackCommit?: bigint): GlobalPosition {
  if (p) return { commit: p.commit, prepare: p.prepare };
  if (fallbackCommit !== undefined) return { commit: fallbackCommit, prepare: fallbackCommit };
  return START;
}

function decodeJson(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    if (value.length === 0) return {};
    try {
      return JSON.parse(Buffer.from(value).toString('utf8'));
    } catch {
      return {};
    }
  }
  return value;
}

function toRecorded(e: AnyRecorded, commitPosition?: bigint): RecordedEvent {
  const metadata = decodeJson(e.metadata);
  return {
    id: e.id,
    type: e.type,
    data: e.isJson ? e.data : decodeJson(e.data),
    metadata: (metadata && typeof metadata === 'object' ? metadata : {}) as EventMetadata,
    streamId: e.streamId,
    revision: e.revision,
    position: toPosition(e.position, commitPosition),
    recordedAt: e.created instanceof Date ? e.created : new Date(e.created as unknown as number),
  };
}

/** `^(?:A|B)$` with regex metacharacters escaped; an empty list matches nothing. */
function exactTypesRegex(types: readonly string[]): string {
  if (types.length === 0) return '(?!)';
  return `^(?:${types.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (typeof expected !== 'bigint' || expected < 0n)
    throw new RangeError(`invalid expected revision: ${String(expected)}`);
  return expected;
}

function boundedCount(maxCount: number | undefined): number {
  if (maxCount === undefined) return MAX_READ_COUNT;
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new RangeError(`invalid maxCount: ${maxCount}`);
  return Math.min(maxCount, MAX_READ_COUNT);
}

/**
 * EventStore on EventStoreDB (gRPC client v6). Stream revisions are ESDB's own (0-based); `$all`
 * positions are its commit/prepare pairs. ESDB reads `$all` from a position inclusively, so the event at
 * exactly `after` is skipped; system events (`$`-prefixed types or streams) never reach callers.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<EsdbAllSubscription>();

  constructor(options: EventStoreDbEventStoreOptions) {
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else if (options.connectionString) {
      this.client = EventStoreDBClient.connectionString(options.connectionString);
      this.ownsClient = true;
    } else {
      throw new Error('EventStoreDbEventStore needs a client or a connectionString');
    }
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const expected = options.expectedRevision;
    const data = events.map((e) =>
      jsonEvent({
        id: e.id,
        type: e.type,
        data: (e.data ?? null) as JSONType,
        metadata: (e.metadata ?? {}) as JSONType,
      }),
    );
    try {
      const result = await this.client.appendToStream(streamId, data, {
        expectedRevision: toEsdbExpected(expected),
      });
      let position = result.position ? toPosition(result.position) : undefined;
      if (!position) {
        const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
        position = last?.position ?? START;
      }
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = err.actualVersion;
        throw new ConcurrencyError(streamId, expected, typeof actual === 'bigint' ? actual : 'no_stream');
      }
      throw err;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = boundedCount(options.maxCount);
    if (maxCount === 0) return [];
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : ESDB_START),
        maxCount,
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecorded(resolved.event, resolved.commitPosition));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readAllPage(options)).events;
  }

  /**
   * Client 6.x reads of `$all` take no filter (only subscriptions do), so `eventTypes` is applied here:
   * the skipped events still travel, but callers get the same page and horizon as from Postgres.
   */
  async readAllPage(options: ReadAllOptions = {}): Promise<AllPage> {
    const maxCount = boundedCount(options.maxCount);
    const after = options.after ?? START;
    if (maxCount === 0) return { events: [], scannedTo: after };
    const types = options.eventTypes ? new Set(options.eventTypes) : undefined;
    const out: RecordedEvent[] = [];
    let from: GlobalPosition = after;
    let scannedTo = after;
    for (let chunk = 0; chunk < MAX_READ_ALL_CHUNKS && out.length < maxCount; chunk++) {
      const request = Math.min(READ_ALL_CHUNK, maxCount - out.length) + 1;
      let seen = 0;
      let last: GlobalPosition | undefined;
      const read = this.client.readAll({
        direction: FORWARDS,
        fromPosition: comparePositions(from, START) <= 0 ? ESDB_START : from,
        maxCount: request,
      });
      for await (const resolved of read) {
        seen++;
        const e = resolved.event;
        if (!e) continue;
        const position = toPosition(e.position);
        last = position;
        // Inclusive start: the event at exactly `from` was already delivered.
        if (comparePositions(position, from) <= 0) continue;
        scannedTo = position;
        if (isSystem(e) || (types && !types.has(e.type))) continue;
        out.push(toRecorded(e));
        if (out.length >= maxCount) break;
      }
      if (seen < request || !last) break;
      from = last;
    }
    return { events: out, scannedTo };
  }

  async headPosition(): Promise<GlobalPosition> {
    let from: typeof END | GlobalPosition = END;
    for (let chunk = 0; chunk < MAX_READ_ALL_CHUNKS; chunk++) {
      let seen = 0;
      let last: GlobalPosition | undefined;
      const read = this.client.readAll({
        direction: BACKWARDS,
        fromPosition: from,
        maxCount: READ_ALL_CHUNK,
      });
      for await (const resolved of read) {
        seen++;
        const e = resolved.event;
        if (!e) continue;
        last = toPosition(e.position);
        if (!isSystem(e)) {
          await read.cancel();
          return last;
        }
      }
      if (seen < READ_ALL_CHUNK || !last) return START;
      from = last;
    }
    return START;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const sub = new EsdbAllSubscription(this.client, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.ownsClient) await this.client.dispose();
  }
}

/** Wraps ESDB's catch-up subscription (a Node stream, so backpressure is its highWaterMark). */
class EsdbAllSubscription implements Subscription {
  private readonly stream: AllStreamSubscription;
  private readonly after: GlobalPosition;
  private closed = false;
  private readonly onAbort = (): void => void this.close();

  constructor(
    client: EventStoreDBClient,
    private readonly options: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.after = options.after ?? START;
    const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!Number.isInteger(bufferSize) || bufferSize < 1)
      throw new RangeError(`invalid bufferSize: ${bufferSize}`);
    this.stream = client.subscribeToAll(
      {
        fromPosition: comparePositions(this.after, START) <= 0 ? ESDB_START : this.after,
        filter: options.eventTypes
          ? eventTypeFilter({ regex: exactTypesRegex(options.eventTypes) })
          : excludeSystemEvents(),
      },
      // Transform stream: both sides buffer, so half the budget each.
      { highWaterMark: Math.max(1, Math.floor(bufferSize / 2)) },
    );
    if (options.signal?.aborted) void this.close();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get bufferedCount(): number {
    if (this.closed) return 0;
    const writable = (this.stream as unknown as { writableLength?: number }).writableLength ?? 0;
    return this.stream.readableLength + writable;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for await (const resolved of this.stream as AsyncIterable<AllStreamResolvedEvent>) {
        if (this.closed) return;
        const e = resolved.event;
        if (!e || isSystem(e)) continue;
        const recorded = toRecorded(e);
        if (comparePositions(recorded.position, this.after) <= 0) continue;
        yield recorded;
      }
    } catch (err) {
      if (!this.closed) throw err;
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    await this.stream.unsubscribe().catch(() => undefined);
    this.stream.destroy();
    this.onClosed();
  }
}
