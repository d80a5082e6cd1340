import { Pool, type PoolConfig } from 'pg';
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
import { runMigrations, type MigrationProgress, type RunMigrationsResult } from './migrations';
import { PgNotifier, type Log } from './notifier';
import { EVENT_STORE_MIGRATIONS } from './schema';
import { PgAllSubscription } from './subscription';

export interface PostgresEventStoreOptions {
  /** Use this pool (the store does not end it on close) … */
  pool?: Pool;
  /** … or open an own pool to this database. */
  connectionString?: string;
  /** Size of an own pool. */
  poolSize?: number;
  /** LISTEN/NOTIFY channel. */
  channel?: string;
  /** Appends within this window share one NOTIFY, sent after commit. */
  notifyDebounceMs?: number;
  /** Fallback re-read of a caught-up subscription when no notification arrives. */
  pollIntervalMs?: number;
  /** Re-read delay while committed rows wait for an older transaction to finish. */
  pendingRepollMs?: number;
  log?: Log;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CHANNEL = 'tollgate_events';
const DEFAULT_NOTIFY_DEBOUNCE_MS = 5;
const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_PENDING_REPOLL_MS = 15;
const MAX_EVENTS_PER_APPEND = 10_000;
const MAX_READ_COUNT = 100_000;

/** Runs the event store's migrations (idempotent; safe with concurrent starters). */
export function migrateEventStore(
  pool: Pool,
  onProgress?: (p: MigrationProgress) => void,
): Promise<RunMigrationsResult> {
  return runMigrations(pool, EVENT_STORE_MIGRATIONS, { component: 'event-store', onProgress });
}

/** Columns of COLUMNS, read with rowMode 'array' (no per-row key objects). */
type EventRow = [
  tx: string,
  seq: string,
  streamId: string,
  revision: string,
  eventId: string,
  type: string,
  data: unknown,
  metadata: EventMetadata,
  recordedMs: number,
];

interface AppendRow {
  status: number;
  revision: string | null;
  transaction_id: string | null;
  seq: string | null;
}

interface InsertedRow {
  n: number;
  seq: string | null;
  revision: string | null;
  tx: string | null;
}

// recorded_at as epoch ms: a float parses several times faster than a timestamptz string.
const COLUMNS = `transaction_id::text AS tx, seq, stream_id, revision, event_id, type, data, metadata,
  date_part('epoch', recorded_at) * 1000 AS recorded_ms`;

const APPEND_SQL = 'SELECT * FROM append_events($1, $2, $3, $4, $5, $6)';
// Fast paths: one INSERT each. They write revision r+1 only when r is seen committed (see schema.ts);
// no row back (or a primary key collision) hands the append to append_events.
const INSERT_COLUMNS = 'INSERT INTO events (stream_id, revision, event_id, type, data, metadata)';
const UNNEST = `ROWS FROM (jsonb_array_elements_text($2::jsonb), jsonb_array_elements_text($3::jsonb),
    jsonb_array_elements($4::jsonb), jsonb_array_elements($5::jsonb))
  WITH ORDINALITY AS u(id, type, data, metadata, ord)`;
const RETURNING = 'RETURNING seq, revision';
// One summary row whatever the batch size; the transaction id is the same for every inserted row.
const fastInsert = (insert: string): string => `WITH ins AS (${insert} ${RETURNING})
  SELECT count(*)::int AS n, max(seq)::text AS seq, max(revision)::text AS revision,
    CASE WHEN count(*) > 0 THEN pg_current_xact_id()::text END AS tx FROM ins`;
const FAST_NO_STREAM_SQL = fastInsert(`${INSERT_COLUMNS}
  SELECT $1, u.ord - 1, u.id::uuid, u.type, u.data, u.metadata FROM ${UNNEST}`);
const FAST_EXPECTED_SQL = fastInsert(`${INSERT_COLUMNS}
  SELECT $1, $6::bigint + u.ord, u.id::uuid, u.type, u.data, u.metadata FROM ${UNNEST}
  WHERE EXISTS (SELECT 1 FROM events e WHERE e.stream_id = $1 AND e.revision = $6::bigint)`);
const FAST_ANY_SQL = fastInsert(`${INSERT_COLUMNS}
  SELECT $1, coalesce(t.revision, -1) + u.ord, u.id::uuid, u.type, u.data, u.metadata
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT e.revision, e.event_id FROM events e WHERE e.stream_id = $1
    ORDER BY e.revision DESC LIMIT 1) AS t ON true
  CROSS JOIN ${UNNEST}
  WHERE t.event_id IS DISTINCT FROM ($2::jsonb ->> -1)::uuid`);
const PRIMARY_KEY_VIOLATION = '23505';
/** Slow-path attempts when fast-path appends of other writers keep taking the revision. */
/**
 * Fast-path appends take no lock, so on a hot stream the locked slow path can lose the race for the
 * next revision several times in a row; it retries with a short jittered backoff, then gives up with
 * a ConcurrencyError rather than a raw database error.
 */
const MAX_SLOW_ATTEMPTS = 100;
const SLOW_BACKOFF_CAP_MS = 20;
const READ_ALL_SQL = `SELECT ${COLUMNS} FROM events
  WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    AND (transaction_id, seq) > ($1::text::xid8, $2::bigint)
  ORDER BY transaction_id, seq LIMIT $3`;
// Filtered page and, in the same snapshot, the newest row readers may see (h): every row up to h has been
// looked at when the page is not full. One row with NULL event columns when nothing in (after, h] matches.
// No index on type: the scan walks events_global_order from the cursor and tests the type on each row,
// and a reader's cursor moves to h, so each row is looked at once; a (type, …) index would cost every
// append an extra index insert for the benefit of catch-ups only.
const READ_ALL_TYPES_SQL = `WITH h AS (
    SELECT transaction_id, seq FROM events
    WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY transaction_id DESC, seq DESC LIMIT 1)
  SELECT h.transaction_id::text AS head_tx, h.seq AS head_seq, e.* FROM h
  LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM events
    WHERE (transaction_id, seq) > ($1::text::xid8, $2::bigint)
      AND (transaction_id, seq) <= (h.transaction_id, h.seq)
      AND type = ANY($4::text[])
    ORDER BY transaction_id, seq LIMIT $3) e ON true`;
const MAX_FILTER_TYPES = 1_000;
const PENDING_SQL = `SELECT EXISTS (SELECT 1 FROM events
  WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS pending`;
const HEAD_SQL = `SELECT transaction_id::text AS tx, seq FROM events
  WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id DESC, seq DESC LIMIT 1`;
const READ_FORWARDS_SQL = `SELECT ${COLUMNS} FROM events
  WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`;
const READ_BACKWARDS_SQL = `SELECT ${COLUMNS} FROM events
  WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row[4],
    type: row[5],
    data: row[6],
    metadata: row[7],
    streamId: row[2],
    revision: BigInt(row[3]),
    position: { commit: BigInt(row[0]), prepare: BigInt(row[1]) },
    recordedAt: new Date(row[8]),
  };
}

function isPrimaryKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === PRIMARY_KEY_VIOLATION && e.constraint === 'events_pkey';
}

function encodeExpected(expected: ExpectedRevision): string {
  if (expected === 'any') return '-2';
  if (expected === 'no_stream') return '-1';
  if (typeof expected !== 'bigint' || expected < 0n)
    throw new RangeError(`invalid expected revision: ${String(expected)}`);
  return expected.toString();
}

function boundedCount(maxCount: number | undefined, fallback: number): number {
  if (maxCount === undefined) return fallback;
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new RangeError(`invalid maxCount: ${maxCount}`);
  return Math.min(maxCount, MAX_READ_COUNT);
}

/**
 * EventStore on PostgreSQL: one `events` table, one function call per append, `$all` ordered by
 * (transaction id, sequence) and read only below the snapshot's xmin (see schema.ts).
 */
export class PostgresEventStore implements EventStore {
  readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly notifier: PgNotifier;
  private readonly channel: string;
  private readonly notifyDebounceMs: number;
  readonly pollIntervalMs: number;
  readonly pendingRepollMs: number;
  private readonly log: Log;
  private notifyTimer: NodeJS.Timeout | null = null;
  private readonly subscriptions = new Set<PgAllSubscription>();
  private closed = false;
  private readonly onPoolError = (err: Error): void => this.log('event-store pool: idle client error', err);

  constructor(options: PostgresEventStoreOptions) {
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else if (options.connectionString) {
      this.pool = new Pool({
        connectionString: options.connectionString,
        max: options.poolSize ?? DEFAULT_POOL_SIZE,
      });
      this.ownsPool = true;
    } else {
      throw new Error('PostgresEventStore needs a pool or a connectionString');
    }
    this.log =
      options.log ??
      ((message, error) => console.error(message, error instanceof Error ? error.message : (error ?? '')));
    this.pool.on('error', this.onPoolError);
    this.channel = options.channel ?? DEFAULT_CHANNEL;
    this.notifyDebounceMs = options.notifyDebounceMs ?? DEFAULT_NOTIFY_DEBOUNCE_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.pendingRepollMs = options.pendingRepollMs ?? DEFAULT_PENDING_REPOLL_MS;
    const { max: _max, ...clientConfig } = this.pool.options as PoolConfig;
    this.notifier = new PgNotifier(clientConfig, this.channel, this.log);
  }

  migrate(onProgress?: (p: MigrationProgress) => void): Promise<RunMigrationsResult> {
    return migrateEventStore(this.pool, onProgress);
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    if (events.length > MAX_EVENTS_PER_APPEND)
      throw new RangeError(`append takes at most ${MAX_EVENTS_PER_APPEND} events`);
    const ids = new Array<string>(events.length);
    const types = new Array<string>(events.length);
    const data = new Array<unknown>(events.length);
    const metadata = new Array<unknown>(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      ids[i] = e.id;
      types[i] = e.type;
      data[i] = e.data ?? null;
      metadata[i] = e.metadata ?? {};
    }
    const expected = options.expectedRevision;
    const encoded = encodeExpected(expected);
    const payload = [
      JSON.stringify(ids),
      JSON.stringify(types),
      JSON.stringify(data),
      JSON.stringify(metadata),
    ];
    const inserted = await this.fastAppend(streamId, expected, payload, events.length);
    if (inserted) {
      this.afterCommit();
      return {
        nextExpectedRevision: BigInt(inserted.revision as string),
        position: { commit: BigInt(inserted.tx as string), prepare: BigInt(inserted.seq as string) },
      };
    }
    const values = [streamId, encoded, ...payload];
    for (let attempt = 1; ; attempt++) {
      let row: AppendRow;
      try {
        const res = await this.pool.query<AppendRow>({ name: 'es_append', text: APPEND_SQL, values });
        row = res.rows[0];
      } catch (err) {
        if (!isPrimaryKeyViolation(err)) throw err;
        if (attempt >= MAX_SLOW_ATTEMPTS) {
          const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
          throw new ConcurrencyError(streamId, expected, last ? last.revision : 'no_stream');
        }
        const backoffMs = Math.random() * Math.min(SLOW_BACKOFF_CAP_MS, attempt);
        await new Promise((ok) => setTimeout(ok, backoffMs));
        continue;
      }
      switch (row.status) {
        case 0:
        case 1: {
          if (row.status === 0) this.afterCommit();
          return {
            nextExpectedRevision: BigInt(row.revision as string),
            position: { commit: BigInt(row.transaction_id as string), prepare: BigInt(row.seq as string) },
          };
        }
        case 2: {
          const actual = BigInt(row.revision as string);
          throw new ConcurrencyError(streamId, expected, actual < 0n ? 'no_stream' : actual);
        }
        default:
          throw new Error(`append_events returned unknown status ${row.status}`);
      }
    }
  }

  /** The one-statement append; undefined when append_events must decide (collision, mismatch, retry). */
  private async fastAppend(
    streamId: string,
    expected: ExpectedRevision,
    payload: string[],
    count: number,
  ): Promise<InsertedRow | undefined> {
    const values: unknown[] = [streamId, ...payload];
    let query: { name: string; text: string; values: unknown[] };
    if (expected === 'any') query = { name: 'es_fast_any', text: FAST_ANY_SQL, values };
    else if (expected === 'no_stream')
      query = { name: 'es_fast_no_stream', text: FAST_NO_STREAM_SQL, values };
    else
      query = { name: 'es_fast_expected', text: FAST_EXPECTED_SQL, values: [...values, expected.toString()] };
    try {
      const res = await this.pool.query<InsertedRow>(query);
      const row = res.rows[0];
      return row.n === count ? row : undefined;
    } catch (err) {
      if (isPrimaryKeyViolation(err)) return undefined;
      throw err;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = boundedCount(options.maxCount, MAX_READ_COUNT);
    if (limit === 0) return [];
    const from = options.fromRevision ?? (backwards ? BigInt('9223372036854775807') : 0n);
    const res = await this.pool.query<EventRow>({
      rowMode: 'array',
      name: backwards ? 'es_read_backwards' : 'es_read_forwards',
      text: backwards ? READ_BACKWARDS_SQL : READ_FORWARDS_SQL,
      values: [streamId, from.toString(), limit],
    });
    return res.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (options.eventTypes) return (await this.readAllPage(options)).events;
    const limit = boundedCount(options.maxCount, MAX_READ_COUNT);
    if (limit === 0) return [];
    const after = options.after ?? START;
    // xids start at 3, so (0, -1) is before every row.
    const commit = after.commit < 0n ? 0n : after.commit;
    const res = await this.pool.query<EventRow>({
      rowMode: 'array',
      name: 'es_read_all',
      text: READ_ALL_SQL,
      values: [commit.toString(), after.prepare.toString(), limit],
    });
    return res.rows.map(toRecorded);
  }

  async readAllPage(options: ReadAllOptions = {}): Promise<AllPage> {
    const after = options.after ?? START;
    const types = options.eventTypes;
    if (!types) {
      // Unfiltered, a page that is not full ends at the newest visible row anyway.
      const events = await this.readAll(options);
      return { events, scannedTo: events.length > 0 ? events[events.length - 1].position : after };
    }
    if (types.length > MAX_FILTER_TYPES) throw new RangeError(`at most ${MAX_FILTER_TYPES} event types`);
    const limit = boundedCount(options.maxCount, MAX_READ_COUNT);
    if (limit === 0) return { events: [], scannedTo: after };
    const commit = after.commit < 0n ? 0n : after.commit;
    const res = await this.pool.query<[headTx: string, headSeq: string, ...event: EventRow]>({
      rowMode: 'array',
      name: 'es_read_all_types',
      text: READ_ALL_TYPES_SQL,
      values: [commit.toString(), after.prepare.toString(), limit, types],
    });
    const events: RecordedEvent[] = [];
    for (const row of res.rows) if (row[2] !== null) events.push(toRecorded(row.slice(2) as EventRow));
    if (events.length === limit) return { events, scannedTo: events[events.length - 1].position };
    const head: GlobalPosition | undefined = res.rows[0]
      ? { commit: BigInt(res.rows[0][0]), prepare: BigInt(res.rows[0][1]) }
      : undefined;
    return { events, scannedTo: head && comparePositions(head, after) > 0 ? head : after };
  }

  /** True when committed or running appends exist that readers may not see yet (older xact open). */
  async hasPendingEvents(): Promise<boolean> {
    const res = await this.pool.query<{ pending: boolean }>({ name: 'es_pending', text: PENDING_SQL });
    return res.rows[0].pending;
  }

  async headPosition(): Promise<GlobalPosition> {
    const res = await this.pool.query<{ tx: string; seq: string }>({ name: 'es_head', text: HEAD_SQL });
    if (res.rows.length === 0) return START;
    return { commit: BigInt(res.rows[0].tx), prepare: BigInt(res.rows[0].seq) };
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new Error('event store is closed');
    const sub = new PgAllSubscription(this, this.notifier, options, this.log, () =>
      this.subscriptions.delete(sub),
    );
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.notifyTimer) {
      clearTimeout(this.notifyTimer);
      this.notifyTimer = null;
      await this.sendNotify();
    }
    await this.notifier.stop();
    if (this.ownsPool) await this.pool.end();
    else this.pool.off('error', this.onPoolError);
  }

  /** Wakes subscribers after a commit: in-process ones now, other processes by one debounced NOTIFY. */
  private afterCommit(): void {
    this.notifier.wakeLocal();
    if (this.notifyTimer || this.closed) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      void this.sendNotify();
    }, this.notifyDebounceMs);
  }

  private async sendNotify(): Promise<void> {
    try {
      await this.pool.query({
        name: 'es_notify',
        text: 'SELECT pg_notify($1, $2)',
        values: [this.channel, ''],
      });
    } catch (err) {
      this.log('event-store: NOTIFY failed (subscribers fall back to polling)', err);
    }
  }
}
