import type { Pool, PoolClient } from 'pg';
import {
  START,
  comparePositions,
  formatPosition,
  type AllPage,
  type EventStore,
  type GlobalPosition,
} from '@tollgate/event-store';
import {
  applyBatch,
  applyInTransaction,
  decodeBatch,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  loadSlot,
  pendingFor,
  predecode,
  type Slot,
} from './apply-batch';
import { ProjectionError } from './errors';
import { eventTypesOf, tableNamer, type AnyProjection } from './projection';
import type { ProjectionLog } from './runner';
import {
  createIndexes,
  createTables,
  dropTables,
  ensureProjection,
  lockKeySql,
  migrateProjectionRuntime,
  pointViews,
  readRegistry,
} from './schema';

export interface RebuildProgress {
  phase: 'building' | 'switching' | 'done';
  projections: string[];
  eventsRead: number;
  /** Estimated share of `$all` read so far, 0..1 (from positions; exact at the end). */
  fraction: number;
  eventsPerSecond: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (p: RebuildProgress) => void;
  signal?: AbortSignal;
  log?: ProjectionLog;
}

export interface RebuildResult {
  name: string;
  fromVersion: number;
  toVersion: number;
  ok: boolean;
  error?: string;
}

const DEFAULT_BATCH = 5000;
/** Bounds the final catch-up done while readers and the live runner wait on the switch. */
const MAX_SWITCH_BATCHES = 1000;

/**
 * Builds the next version of each projection from position 0 while the live version keeps serving,
 * then per projection, in one transaction: catches up to head, points the views at the new tables,
 * updates the registry and drops the old tables. One shared read of `$all` feeds every projection.
 */
export async function rebuildProjections(
  pool: Pool,
  store: EventStore,
  projections: readonly AnyProjection[],
  options: RebuildOptions = {},
): Promise<RebuildResult[]> {
  const batchSize = Math.min(Math.max(1, options.batchSize ?? DEFAULT_BATCH), 10_000);
  const log = options.log ?? (() => undefined);
  await migrateProjectionRuntime(pool);
  for (const p of projections) await ensureProjection(pool, p);

  // One rebuild per projection at a time, across processes.
  const lockClient = await pool.connect();
  const results: RebuildResult[] = [];
  const slots: Slot[] = [];
  try {
    for (const p of projections) {
      const { rows } = await lockClient.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(${lockKeySql('$1')}) AS ok`,
        [`rebuild:${p.name}`],
      );
      if (!rows[0].ok)
        throw new ProjectionError(
          'PROJECTION_REBUILD_IN_PROGRESS',
          `projection ${p.name} is already being rebuilt`,
        );
    }
    for (const p of projections) slots.push(await prepareBuild(pool, p));
    for (const s of slots) {
      const reg = await readRegistry(pool, s.projection.name);
      results.push({
        name: s.projection.name,
        fromVersion: reg?.live_version ?? 0,
        toVersion: s.version,
        ok: true,
      });
    }

    const started = Date.now();
    const first = (await store.readAll({ maxCount: 1 }))[0]?.position ?? START;
    const head = await store.headPosition();
    let eventsRead = 0;
    const progress = (phase: RebuildProgress['phase'], last: GlobalPosition): void => {
      const elapsedMs = Date.now() - started;
      options.onProgress?.({
        phase,
        projections: slots.map((s) => s.projection.name),
        eventsRead,
        fraction: phase === 'done' ? 1 : estimateFraction(first, head, last),
        eventsPerSecond: elapsedMs > 0 ? Math.round((eventsRead * 1000) / elapsedMs) : 0,
        elapsedMs,
      });
    };
    const active = (): Slot[] => slots.filter((s) => results.find((r) => r.name === s.projection.name)?.ok);
    const fail = async (slot: Slot, err: unknown): Promise<void> => {
      const message = err instanceof Error ? err.message : String(err);
      log('error', `rebuild of ${slot.projection.name} failed: ${message}`);
      const r = results.find((x) => x.name === slot.projection.name);
      if (r) Object.assign(r, { ok: false, error: message });
      await abandonBuild(pool, slot).catch(() => undefined);
    };

    progress('building', START);
    // Catch up to head outside any lock: readers and the live runner are not disturbed.
    let after: GlobalPosition = START;
    // Only the types these projections handle; the next page is read while this one is applied.
    const eventTypes = eventTypesOf(slots.map((s) => s.projection));
    const readPage = (from: GlobalPosition): Promise<AllPage> =>
      store.readAllPage({ after: from, maxCount: batchSize, eventTypes }).then((page) => {
        predecode(
          active().map((s) => s.projection),
          page.events,
        );
        return page;
      });
    let reading: Promise<AllPage> | null = readPage(after);
    while (reading && active().length > 0) {
      if (options.signal?.aborted) throw new Error('rebuild aborted');
      const { events, scannedTo }: AllPage = await reading;
      if (events.length === 0 && comparePositions(scannedTo, after) <= 0) break;
      after = scannedTo;
      reading = events.length < batchSize ? null : readPage(after);
      await Promise.all(
        active().map((slot) =>
          applyBatch(pool, slot, events, {
            scannedTo,
            checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS,
          }).catch((err: unknown) => fail(slot, err)),
        ),
      );
      eventsRead += events.length;
      progress('building', after);
    }
    await reading?.catch(() => undefined);

    progress('switching', after);
    for (const slot of active()) {
      try {
        // Indexes once over the loaded tables; the switch below catches up the few events since.
        const client = await pool.connect();
        try {
          await createIndexes(client, slot.projection, tableNamer(slot.version));
        } finally {
          client.release();
        }
        eventsRead += await switchVersion(pool, store, slot, batchSize);
      } catch (err) {
        await fail(slot, err);
      }
    }
    progress('done', after);
    return results;
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    lockClient.release();
  }
}

export function estimateFraction(first: GlobalPosition, head: GlobalPosition, at: GlobalPosition): number {
  if (comparePositions(head, START) === 0 || comparePositions(at, head) >= 0)
    return comparePositions(at, START) === 0 ? 0 : 1;
  const span = head.commit !== first.commit ? head.commit - first.commit : head.prepare - first.prepare;
  const done = head.commit !== first.commit ? at.commit - first.commit : at.prepare - first.prepare;
  if (span <= 0n) return 0;
  const f = Number((done * 10_000n) / span) / 10_000;
  return Math.min(1, Math.max(0, f));
}

/** Registers the next version (dropping a build a crashed rebuild left behind) with empty tables. */
async function prepareBuild(pool: Pool, p: AnyProjection): Promise<Slot> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ live_version: number; building_version: number | null }>(
      'SELECT live_version, building_version FROM projection_registry WHERE name = $1 FOR UPDATE',
      [p.name],
    );
    const reg = rows[0];
    if (reg.building_version !== null) {
      await dropTables(client, p, tableNamer(reg.building_version));
      await client.query('DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2', [
        p.name,
        reg.building_version,
      ]);
    }
    const version = Math.max(reg.live_version, reg.building_version ?? 0) + 1;
    await createTables(client, p, tableNamer(version), { indexes: false });
    await client.query('INSERT INTO projection_checkpoints (name, version, position) VALUES ($1, $2, $3)', [
      p.name,
      version,
      formatPosition(START),
    ]);
    await client.query(
      `UPDATE projection_registry SET building_version = $2, building_schema = $3, updated_at = now() WHERE name = $1`,
      [p.name, version, p.version],
    );
    await client.query('COMMIT');
    return await loadSlot(pool, p, version, 'building');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function abandonBuild(pool: Pool, slot: Slot): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'UPDATE projection_registry SET building_version = NULL, building_schema = NULL WHERE name = $1 AND building_version = $2',
      [slot.projection.name, slot.version],
    );
    await client.query('DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2', [
      slot.projection.name,
      slot.version,
    ]);
    await dropTables(client, slot.projection, tableNamer(slot.version));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The switch: with the registry row locked (live batches wait), read what was appended since the
 * build caught up, apply it, repoint the views, retire the old version. Readers see old or new, never
 * a mix; the live runner resumes from the new version's checkpoint.
 */
async function switchVersion(pool: Pool, store: EventStore, slot: Slot, batchSize: number): Promise<number> {
  const p = slot.projection;
  const client: PoolClient = await pool.connect();
  let read = 0;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      live_version: number;
      building_version: number | null;
      building_schema: number;
    }>(
      'SELECT live_version, building_version, building_schema FROM projection_registry WHERE name = $1 FOR UPDATE',
      [p.name],
    );
    const reg = rows[0];
    if (reg.building_version !== slot.version)
      throw new ProjectionError(
        'PROJECTION_VERSION_SWITCHED',
        `projection ${p.name}: build v${slot.version} was replaced`,
      );
    // From where the build got to (`seen`), checkpoint compared against the stored one (`position`).
    const eventTypes = eventTypesOf([p]);
    let seen = slot.seen;
    let position = slot.position;
    for (let i = 0; i < MAX_SWITCH_BATCHES; i++) {
      const { events, scannedTo } = await store.readAllPage({ after: seen, maxCount: batchSize, eventTypes });
      if (events.length === 0 && comparePositions(scannedTo, seen) <= 0) break;
      const decoded = decodeBatch(p, pendingFor({ ...slot, seen }, events));
      position = await applyInTransaction(client, { ...slot, position }, decoded, scannedTo, {
        lockRegistry: false,
      });
      seen = scannedTo;
      read += events.length;
      if (events.length < batchSize) break;
      if (i === MAX_SWITCH_BATCHES - 1)
        throw new Error(`projection ${p.name}: could not catch up with appends during the switch`);
    }
    if (comparePositions(seen, position) > 0)
      position = await applyInTransaction(client, { ...slot, position }, [], seen, { lockRegistry: false });
    const newT = tableNamer(slot.version);
    await pointViews(client, p, newT);
    await client.query(
      `UPDATE projection_registry
          SET live_version = $2, live_schema = $3, building_version = NULL, building_schema = NULL,
              status = CASE WHEN status = 'failed' THEN 'idle' ELSE status END, error = NULL, updated_at = now()
        WHERE name = $1`,
      [p.name, slot.version, reg.building_schema],
    );
    await client.query('DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2', [
      p.name,
      reg.live_version,
    ]);
    await dropTables(client, p, tableNamer(reg.live_version));
    await client.query('COMMIT');
    slot.position = position;
    slot.seen = position;
    return read;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
