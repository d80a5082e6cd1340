import type { Pool, PoolClient } from 'pg';
import {
  comparePositions,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { applyBatch, loadSlot, predecode, type Slot } from './apply-batch';
import { ProjectionError } from './errors';
import type { AnyProjection } from './projection';
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
  log?: ProjectionLog;
}

const DEFAULT_BATCH = 1000;
const MAX_BATCH = 10_000;
const ERROR_BACKOFF_MS = 1000;
const TIMEOUT = Symbol('timeout');

const defaultLog: ProjectionLog = (level, message) => {
  const line = `[projector] ${level}: ${message}`;
  if (level === 'error') console.error(line);
  else console.log(line);
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal.aborted) return ok();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      ok();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function raceTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMEOUT> {
  return Promise.race([p, sleep(ms, signal).then((): typeof TIMEOUT => TIMEOUT)]);
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
  private readonly log: ProjectionLog;
  private readonly slots = new Map<string, Slot>();
  /** Projections this process leads but that stopped on a malformed event, with the failed version. */
  private readonly failed = new Map<string, number>();
  private readonly abort = new AbortController();
  private lockClient: PoolClient | undefined;
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
    this.log = options.log ?? defaultLog;
  }

  /** Creates missing tables, takes what leadership it can, and starts projecting in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
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
    for (const name of this.slots.keys()) await setStatus(this.pool, name, 'idle').catch(() => undefined);
    this.slots.clear();
    this.failed.clear();
    const client = this.lockClient;
    this.lockClient = undefined;
    if (client) {
      await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
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
    client.on('error', (err) => {
      this.lockLost = true;
      this.log('warn', `leader lock connection lost: ${err.message}`);
    });
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

  /**
   * Catch-up mode: pages of `$all` from the slowest checkpoint, the next page read while this one is
   * applied. Returns the size of the last page (a full page means there is more).
   */
  private async catchUp(): Promise<number> {
    let after = this.slowest();
    const readPage = (from: GlobalPosition): Promise<RecordedEvent[]> =>
      this.store.readAll({ after: from, maxCount: this.batchSize }).then((events) => {
        predecode(
          [...this.slots.values()].map((s) => s.projection),
          events,
        );
        return events;
      });
    let reading = readPage(after);
    try {
      while (!this.stopping) {
        const events = await reading;
        if (events.length === 0) return 0;
        after = events[events.length - 1].position;
        const full = events.length === this.batchSize;
        if (full) reading = readPage(after);
        await this.applyAll(events);
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

  /** Live mode: a subscription from the slowest checkpoint, drained into batches of what is ready. */
  private async follow(): Promise<void> {
    const sub = this.store.subscribeToAll({
      after: this.slowest(),
      bufferSize: this.batchSize,
      signal: this.abort.signal,
    });
    const it = sub[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      while (!this.stopping && !this.changed) {
        pending ??= it.next();
        const first = await raceTimeout(pending, this.lockRetryMs, this.abort.signal);
        if (first === TIMEOUT) {
          if (this.lockLost) return;
          await this.acquire();
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

  private slowest(): GlobalPosition {
    let min: GlobalPosition | undefined;
    for (const s of this.slots.values()) if (!min || comparePositions(s.position, min) < 0) min = s.position;
    if (!min) throw new Error('no projection to run');
    return min;
  }

  private async applyAll(events: readonly RecordedEvent[]): Promise<void> {
    const results = await Promise.allSettled(
      [...this.slots.values()].map(async (slot) => {
        try {
          await applyBatch(this.pool, slot, events);
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
    this.lockClient?.release(true);
    this.lockClient = undefined;
    await this.connectLockClient();
    await this.acquire();
  }
}
