import type { Pool, PoolClient } from 'pg';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { ProjectionError, malformedEventError } from './errors';
import { tableNamer, type AnyProjection, type DecodedEvent, type ProjectionContext } from './projection';

/** One projection at one physical version, with the checkpoint this process last saw for it. */
export interface Slot {
  projection: AnyProjection;
  version: number;
  /** `live`: the version readers see. `building`: a rebuild's next version. */
  role: 'live' | 'building';
  /** The stored checkpoint (what the next write compares and sets). */
  position: GlobalPosition;
  /**
   * How far this process has projected: at or after `position`, ahead of it only by events the
   * projection does not handle, whose checkpoint write is deferred (see `checkpointDue`).
   */
  seen: GlobalPosition;
  eventsApplied: bigint;
  /** Date.now() of this process's last checkpoint write for the slot; 0 before the first. */
  writtenAtMs: number;
}

/**
 * A batch with nothing for a projection still moves its checkpoint, but at most once per this interval:
 * a gateway projecting only the catalog would otherwise commit a checkpoint per page of usage events.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1_000;

export interface ApplyBatchOptions {
  /** Where the read that returned the events looked up to (filtered reads skip events): at least the last event. */
  scannedTo?: GlobalPosition;
  /** See DEFAULT_CHECKPOINT_INTERVAL_MS; 0 writes every batch. */
  checkpointIntervalMs?: number;
}

/** Events of the batch this slot has not seen yet (a shared read starts at the slowest slot). */
export function pendingFor(slot: Slot, events: readonly RecordedEvent[]): RecordedEvent[] {
  let i = 0;
  while (i < events.length && comparePositions(events[i].position, slot.seen) <= 0) i++;
  return i === 0 ? (events as RecordedEvent[]) : events.slice(i);
}

/** True when the slot has moved past skipped events and its last checkpoint write is old enough. */
export function checkpointDue(slot: Slot, intervalMs: number, nowMs = Date.now()): boolean {
  return comparePositions(slot.seen, slot.position) > 0 && nowMs - slot.writtenAtMs >= intervalMs;
}

/** Decodes before any I/O; a malformed known event throws PROJECTION_EVENT_MALFORMED naming it. */
export function decodeBatch(
  projection: AnyProjection,
  events: readonly RecordedEvent[],
): DecodedEvent<unknown>[] {
  const out: DecodedEvent<unknown>[] = [];
  for (const recorded of events) {
    if (!projection.handles(recorded.type)) continue;
    let event: unknown;
    try {
      event = projection.decode(recorded);
    } catch (err) {
      throw malformedEventError(projection.name, recorded, err);
    }
    if (event !== null) out.push({ event, recorded });
  }
  return out;
}

/**
 * Applies a batch inside the caller's transaction: the projection's statements, then a compare-and-set
 * of the checkpoint, so the rows and the checkpoint commit together or not at all.
 */
export async function applyInTransaction(
  client: PoolClient,
  slot: Slot,
  decoded: readonly DecodedEvent<unknown>[],
  next: GlobalPosition,
  options: { lockRegistry: boolean },
): Promise<GlobalPosition> {
  const name = slot.projection.name;
  if (options.lockRegistry) {
    // FOR SHARE: a rebuild's switch (FOR UPDATE) waits for this batch, and later batches wait for it.
    const { rows } = await client.query<{ live_version: number; building_version: number | null }>(
      'SELECT live_version, building_version FROM projection_registry WHERE name = $1 FOR SHARE',
      [name],
    );
    const current = slot.role === 'live' ? rows[0]?.live_version : rows[0]?.building_version;
    if (current !== slot.version)
      throw new ProjectionError(
        'PROJECTION_VERSION_SWITCHED',
        `projection ${name}: ${slot.role} version is now ${String(current)}, not ${slot.version}`,
      );
  }
  const t = tableNamer(slot.version);
  if (decoded.length > 0) {
    const ctx: ProjectionContext = {
      t,
      rebuilding: slot.role === 'building',
      query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
    };
    const statements = await slot.projection.projectBatch(decoded, ctx);
    for (const s of statements) await client.query(s.sql, s.params as unknown[] | undefined);
  }
  const res = await client.query(
    `UPDATE projection_checkpoints SET position = $4, events_applied = events_applied + $5, updated_at = now()
      WHERE name = $1 AND version = $2 AND position = $3`,
    [name, slot.version, formatPosition(slot.position), formatPosition(next), decoded.length],
  );
  if (res.rowCount !== 1)
    throw new ProjectionError(
      'PROJECTION_CHECKPOINT_MOVED',
      `projection ${name} v${slot.version}: checkpoint is no longer ${formatPosition(slot.position)} (another runner moved it)`,
    );
  return next;
}

const predecoded = new WeakMap<readonly RecordedEvent[], Map<AnyProjection, DecodedEvent<unknown>[]>>();

/**
 * Decodes a read-ahead page for the given projections while the previous page's SQL is still running
 * (the event loop is idle then). A page that fails to decode is left alone: `applyBatch` decodes it
 * again and fails loudly there, naming the event.
 */
export function predecode(projections: readonly AnyProjection[], events: readonly RecordedEvent[]): void {
  const byProjection = new Map<AnyProjection, DecodedEvent<unknown>[]>();
  for (const p of projections) {
    try {
      byProjection.set(p, decodeBatch(p, events));
    } catch {
      // decoded again (and reported) when applied
    }
  }
  predecoded.set(events, byProjection);
}

/**
 * One transaction per batch and slot: its rows and the checkpoint at the batch's end (or at `scannedTo`).
 * A batch with nothing this projection handles only moves `seen`, unless the checkpoint is due.
 * Updates the slot only after the commit succeeded.
 */
export async function applyBatch(
  pool: Pool,
  slot: Slot,
  events: readonly RecordedEvent[],
  options: ApplyBatchOptions = {},
): Promise<number> {
  const pending = pendingFor(slot, events);
  let next = pending.length > 0 ? pending[pending.length - 1].position : slot.seen;
  if (options.scannedTo && comparePositions(options.scannedTo, next) > 0) next = options.scannedTo;
  if (comparePositions(next, slot.seen) <= 0) return 0;
  const decoded =
    (pending === events ? predecoded.get(events)?.get(slot.projection) : undefined) ??
    decodeBatch(slot.projection, pending);
  if (decoded.length === 0) {
    slot.seen = next;
    if (!checkpointDue(slot, options.checkpointIntervalMs ?? 0)) return pending.length;
  }
  await commitBatch(pool, slot, decoded, next);
  return pending.length;
}

/** Writes the checkpoint at `seen` when it is ahead of the stored one (idle flush, shutdown). */
export async function flushCheckpoint(pool: Pool, slot: Slot): Promise<boolean> {
  if (comparePositions(slot.seen, slot.position) <= 0) return false;
  await commitBatch(pool, slot, [], slot.seen);
  return true;
}

async function commitBatch(
  pool: Pool,
  slot: Slot,
  decoded: readonly DecodedEvent<unknown>[],
  next: GlobalPosition,
): Promise<void> {
  const client = await pool.connect();
  try {
    // Read-model batches may skip the WAL flush wait: a server crash loses whole batches (rows and
    // checkpoint together), which are projected again; it never splits one.
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = off');
    await applyInTransaction(client, slot, decoded, next, { lockRegistry: true });
    await client.query('COMMIT');
    slot.position = next;
    if (comparePositions(next, slot.seen) > 0) slot.seen = next;
    slot.eventsApplied += BigInt(decoded.length);
    slot.writtenAtMs = Date.now();
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function loadSlot(
  db: Pool | PoolClient,
  projection: AnyProjection,
  version: number,
  role: Slot['role'],
): Promise<Slot> {
  const { rows } = await db.query<{ position: string; events_applied: string }>(
    'SELECT position, events_applied FROM projection_checkpoints WHERE name = $1 AND version = $2',
    [projection.name, version],
  );
  if (!rows[0]) throw new Error(`projection ${projection.name} v${version}: no checkpoint row`);
  const position = parsePosition(rows[0].position);
  return {
    projection,
    version,
    role,
    position,
    seen: position,
    eventsApplied: BigInt(rows[0].events_applied),
    writtenAtMs: 0,
  };
}
