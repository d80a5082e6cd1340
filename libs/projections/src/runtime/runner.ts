import type { Pool, PoolClient } from 'pg';
import {
  comparePositions,
  type AllPage,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import {
  applyBatch,
  checkpointDue,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  flushCheckpoint,
  loadSlot,
  predecode,
  type Slot,
} from './apply-batch';
import { ProjectionError } from './errors';
import { eventTypesOf, type AnyProjection } from './projection';
import { rebuildProjections } from './rebuild';
import { ensureProjection, lockKeySql, migrateProjectionRuntime, readRegistry, setStatus } from './schema';

export type LogLevel = 'info' | 'warn' | 'error';
export type ProjectionLog = (level: LogLevel, message: string) => void;

export interface RunnerOptions {
  pool: Pool;
  store: EventStore;
  projections: readonly AnyProjection[];
  /** Events per transaction; bigger batches amortise round trips under load. */
  batchSize?: number;
  /** How often a follower retries for leadership (and a leader re-checks failed projections). */
  lockRetryMs?: number;
  /** Rebuild a projection whose code version differs from its live tables' version. Default true. */
  autoRebuild?: boolean;
  /**
   * A projection's checkpoint moves past events it does not handle at most this often (and within about
   * this long once idle); batches with events it handles always write it. Default 1000.
   */
  checkpointIntervalMs?: number;
  log?: ProjectionLog;
}

const DEFAULT_BATCH = 1000;
const MAX_BATCH = 10_000;
const ERROR_BACKOFF_MS = 1000;
/** A checkpoint interval of 0 (write every batch) must not make an idle follower poll in a loop. */
const MIN_IDLE_WAKE_MS = 50;
const TIMEOUT = Symbol('timeout');

const defaultLog: ProjectionLog = (level, message) => {
  const line = `[projector] ${level}: ${message}`;
  if (level === 'error') console.error(line);
  else console.log(line);
};

/** Resolves after `ms` or on abort; `cancel` clears the timer and the abort listener early. */
function cancellableSleep(ms: number, signal: AbortSignal): { done: Promise<void>; cancel: () => void } {
  let cancel = (): void => undefined;
  const done = new Promise<void>((ok) => {
    if (signal.aborted) return ok();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      ok();
    }
    cancel = finish;
    signal.addEventListener('abort', finish, { once: true });
  });
  return { done, cancel };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return cancellableSleep(ms, signal).done;
}

/** `p` or TIMEOUT after `ms` (or on abort); the losing sleep is cancelled, not left pending. */
async function raceTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMEOUT> {
  const timeout = cancellableSleep(ms, signal);
  try {
    return await Promise.race([p, timeout.done.then((): typeof TIMEOUT => TIMEOUT)]);
  } finally {
    timeout.cancel();
  }
}

/** Resolves with TIMEOUT unless `p` is already settled (buffered events resolve in microtasks). */
function raceImmediate<T>(p: Promise<T>): Promise<T | typeof TIMEOUT> {
  return Promise.race([p, new Promise<typeof TIMEOUT>((ok) => setImmediate(() => ok(TIMEOUT)))]);
}

/**
 * Runs the live versions of a set of projections: one reader of `$all` shared by every projection
 * this process leads, one transaction per projection and batch (rows + compare-and-set checkpoint).
 * Leadership is a session advisory lock per projection; followers retry every `lockRetryMs`.
 */
export class ProjectionRunner {
  private readonly pool: Pool;
  private readonly store: EventStore;
  private readonly projections: readonly AnyProjection[];
  private readonly batchSize: number;
  private readonly lockRetryMs: number;
  private readonly autoRebuild: boolean;
  private readonly checkpointIntervalMs: number;
  private readonly log: ProjectionLog;
  private readonly slots = new Map<string, Slot>();
  /** Projections this process leads but that stopped on a malformed event, with the failed version. */
  private readonly failed = new Map<string, number>();
  private readonly abort = new AbortController();
  private lockClient: PoolClient | undefined;
  private readonly onLockError = (err: Error): void => {
    this.lockLost = true;
    this.log('warn', `leader lock connection lost: ${err.message}`);
  };
  private lockLost = false;
  private changed = false;
  private lastAcquireMs = 0;
  private loop: Promise<void> | undefined;

  constructor(options: RunnerOptions) {
    this.pool = options.pool;
    this.store = options.store;
    this.projections = options.projections;
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? DEFAULT_BATCH), MAX_BATCH);
    this.lockRetryMs = options.lockRetryMs ?? 2000;
    this.autoRebuild = options.autoRebuild ?? true;
    this.checkpointIntervalMs = Math.max(0, options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    this.log = options.log ?? defaultLog;
  }

  /** Creates missing tables, takes what leadership it can, and starts projecting in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    eventTypesOf(this.projections); // a declared type the projection does not handle fails here, not in the loop
    await migrateProjectionRuntime(this.pool);
    for (const p of this.projections) await ensureProjection(this.pool, p);
    await this.connectLockClient();
    await this.acquire();
    this.loop = this.run();
  }

  /** Finishes the batch in flight (so it stops at a checkpoint), then releases leadership. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    // Keep how far the projections got past events they skip, so a restart does not read them again.
    await this.advanceToHorizon(this.eventTypes()).catch(() => undefined);
    for (const slot of this.slots.values()) await flushCheckpoint(this.pool, slot).catch(() => undefined);
    for (const name of this.slots.keys()) await setStatus(this.pool, name, 'idle').catch(() => undefined);
    this.slots.clear();
    this.failed.clear();
    const client = this.lockClient;
    this.lockClient = undefined;
    if (client) {
      await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      // The pool hands this client out again: a listener left on it would pile up with every start.
      client.off('error', this.onLockError);
      client.release();
    }
  }

  /** Names of the projections this process currently projects. */
  leading(): string[] {
    return [...this.slots.keys()].sort();
  }

  failedProjections(): string[] {
    return [...this.failed.keys()].sort();
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async connectLockClient(): Promise<void> {
    const client = await this.pool.connect();
    client.on('error', this.onLockError);
    this.lockClient = client;
    this.lockLost = false;
  }

  private async acquire(): Promise<void> {
    this.lastAcquireMs = Date.now();
    const client = this.lockClient;
    if (!client) return;
    for (const p of this.projections) {
      if (this.stopping) return;
      if (this.slots.has(p.name)) continue;
      const failedVersion = this.failed.get(p.name);
      if (failedVersion !== undefined) {
        // A rebuild that switched versions replaces the failed tables: project again.
        const reg = await readRegistry(this.pool, p.name);
        if (!reg || reg.live_version === failedVersion) continue;
        this.failed.delete(p.name);
      } else {
        const { rows } = await client.query<{ ok: boolean }>(
          `SELECT pg_try_advisory_lock(${lockKeySql('$1')}) AS ok`,
          [`leader:${p.name}`],
        );
        if (!rows[0].ok) continue;
        this.log('info', `leading projection ${p.name}`);
      }
      let reg = await readRegistry(this.pool, p.name);
      if (reg && this.autoRebuild && reg.live_schema !== p.version) {
        this.log(
          'info',
          `projection ${p.name}: code version ${p.version} ≠ live ${reg.live_schema}; rebuilding`,
        );
        await rebuildProjections(this.pool, this.store, [p], { log: this.log, signal: this.abort.signal });
        reg = await readRegistry(this.pool, p.name);
      }
      if (!reg) continue;
      this.slots.set(p.name, await loadSlot(this.pool, p, reg.live_version, 'live'));
      await setStatus(this.pool, p.name, 'running');
      this.changed = true;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.lockLost) await this.recoverLocks();
        if (Date.now() - this.lastAcquireMs >= this.lockRetryMs) await this.acquire();
        if (this.slots.size === 0) {
          await sleep(this.lockRetryMs, this.abort.signal);
          continue;
        }
        this.changed = false;
        const events = await this.catchUp();
        if (events === this.batchSize || this.changed) continue;
        await this.follow();
      } catch (err) {
        if (this.stopping) break;
        this.log(
          'warn',
          `projection loop error, retrying: ${err instanceof Error ? err.message : String(err)}`,
        );
        await sleep(ERROR_BACKOFF_MS, this.abort.signal);
        await this.reloadSlots().catch(() => undefined);
      }
    }
  }

  /** The event types the projections this process leads handle (undefined: every type). */
  private eventTypes(): string[] | undefined {
    return eventTypesOf([...this.slots.values()].map((s) => s.projection));
  }

  /**
   * Catch-up mode: pages of `$all` (only the types led projections handle) from the slowest checkpoint,
   * the next page read while this one is applied. Returns the size of the last page (a full page means
   * there is more).
   */
  private async catchUp(): Promise<number> {
    let after = this.slowest();
    const eventTypes = this.eventTypes();
    const readPage = (from: GlobalPosition): Promise<AllPage> =>
      this.store.readAllPage({ after: from, maxCount: this.batchSize, eventTypes }).then((page) => {
        predecode(
          [...this.slots.values()].map((s) => s.projection),
          page.events,
        );
        return page;
      });
    let reading = readPage(after);
    try {
      while (!this.stopping) {
        const { events, scannedTo } = await reading;
        if (events.length === 0 && comparePositions(scannedTo, after) <= 0) return 0;
        after = scannedTo;
        const full = events.length === this.batchSize;
        if (full) reading = readPage(after);
        await this.applyAll(events, scannedTo);
        if (!full) return events.length;
        // Leadership changes, failures and version switches restart from the checkpoints.
        if (this.changed || this.slots.size === 0 || comparePositions(this.slowest(), after) !== 0)
          return this.batchSize;
        if (Date.now() - this.lastAcquireMs >= this.lockRetryMs) return this.batchSize;
      }
      return 0;
    } finally {
      reading.catch(() => undefined);
    }
  }

  /**
   * Live mode: a subscription (to the types led projections handle) from the slowest checkpoint,
   * drained into batches of what is ready. While none arrive it wakes at least every checkpoint
   * interval to move checkpoints past the events it was not sent.
   */
  private async follow(): Promise<void> {
    const eventTypes = this.eventTypes();
    const sub = this.store.subscribeToAll({
      after: this.slowest(),
      bufferSize: this.batchSize,
      signal: this.abort.signal,
      eventTypes,
    });
    const it = sub[Symbol.asyncIterator]();
    const idleWakeMs = Math.min(this.lockRetryMs, Math.max(this.checkpointIntervalMs, MIN_IDLE_WAKE_MS));
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      while (!this.stopping && !this.changed) {
        pending ??= it.next();
        const first = await raceTimeout(pending, idleWakeMs, this.abort.signal);
        if (first === TIMEOUT) {
          if (this.lockLost || this.stopping) return;
          if (Date.now() - this.lastAcquireMs >= this.lockRetryMs) await this.acquire();
          if (!this.changed) await this.advanceIdle(eventTypes);
          continue;
        }
        pending = undefined;
        if (first.done) return;
        const batch = [first.value];
        let done = false;
        while (batch.length < this.batchSize) {
          pending = it.next();
          const r = await raceImmediate(pending);
          if (r === TIMEOUT) break;
          pending = undefined;
          if (r.done) {
            done = true;
            break;
          }
          batch.push(r.value);
        }
        await this.applyAll(batch);
        if (done) return;
      }
    } finally {
      pending?.catch(() => undefined);
      await sub.close().catch(() => undefined);
    }
  }

  /**
   * Nothing handled arrived for a while: move every projection to the horizon, then write the
   * checkpoints that are due.
   */
  private async advanceIdle(eventTypes: string[] | undefined): Promise<void> {
    await this.advanceToHorizon(eventTypes);
    const now = Date.now();
    const due = [...this.slots.values()].filter((s) => checkpointDue(s, this.checkpointIntervalMs, now));
    if (due.length > 0) await this.forEachSlot(due, (slot) => flushCheckpoint(this.pool, slot));
  }

  /**
   * Finds how far `$all` goes with no event of these types after the slowest projection (one small
   * read) and moves every projection there. An event found instead is on its way through the
   * subscription (or the next catch-up): nothing to do.
   */
  private async advanceToHorizon(eventTypes: string[] | undefined): Promise<void> {
    if (this.slots.size === 0 || !eventTypes) return;
    const { events, scannedTo } = await this.store.readAllPage({
      after: this.slowest(),
      maxCount: 1,
      eventTypes,
    });
    if (events.length > 0) return;
    for (const slot of this.slots.values())
      if (comparePositions(scannedTo, slot.seen) > 0) slot.seen = scannedTo;
  }

  private slowest(): GlobalPosition {
    let min: GlobalPosition | undefined;
    for (const s of this.slots.values()) if (!min || comparePositions(s.seen, min) < 0) min = s.seen;
    if (!min) throw new Error('no projection to run');
    return min;
  }

  private applyAll(events: readonly RecordedEvent[], scannedTo?: GlobalPosition): Promise<void> {
    return this.forEachSlot([...this.slots.values()], (slot) =>
      applyBatch(this.pool, slot, events, { scannedTo, checkpointIntervalMs: this.checkpointIntervalMs }),
    );
  }

  /** Runs `work` for each slot at once; a malformed event stops that projection, a moved checkpoint reloads it. */
  private async forEachSlot(slots: readonly Slot[], work: (slot: Slot) => Promise<unknown>): Promise<void> {
    const results = await Promise.allSettled(
      slots.map(async (slot) => {
        try {
          await work(slot);
        } catch (err) {
          if (!(err instanceof ProjectionError)) throw err;
          this.changed = true;
          if (err.code === 'PROJECTION_EVENT_MALFORMED') {
            this.log(
              'error',
              `${err.message} — the projection is stopped until the event or the code is fixed`,
            );
            this.slots.delete(slot.projection.name);
            this.failed.set(slot.projection.name, slot.version);
            await setStatus(this.pool, slot.projection.name, 'failed', err.message);
            return;
          }
          // Another runner or a rebuild moved things: continue from what the database says.
          this.log('info', `${err.message}; reloading`);
          await this.reloadSlot(slot.projection);
        }
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async reloadSlot(p: AnyProjection): Promise<void> {
    const reg = await readRegistry(this.pool, p.name);
    if (!reg) return;
    this.slots.set(p.name, await loadSlot(this.pool, p, reg.live_version, 'live'));
  }

  private async reloadSlots(): Promise<void> {
    for (const slot of [...this.slots.values()]) await this.reloadSlot(slot.projection);
    this.changed = true;
  }

  private async recoverLocks(): Promise<void> {
    this.log('warn', 'leadership lost with the lock connection; reconnecting');
    this.slots.clear();
    this.failed.clear();
    this.lockClient?.off('error', this.onLockError);
    this.lockClient?.release(true);
    this.lockClient = undefined;
    await this.connectLockClient();
    await this.acquire();
  }
}
