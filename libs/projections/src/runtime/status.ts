import type { Pool } from 'pg';
import {
  START,
  comparePositions,
  formatPosition,
  parsePosition,
  type EventStore,
  type GlobalPosition,
} from '@tollgate/event-store';
import { eventTypesOf, type AnyProjection } from './projection';
import { migrateProjectionRuntime, type RegistryRow } from './schema';

export interface ProjectionStatus {
  name: string;
  /** Code version of the projection in this build. */
  codeVersion: number;
  /** Physical version readers see, and the code version it was built with. */
  liveVersion: number | null;
  liveSchema: number | null;
  status: RegistryRow['status'] | 'missing';
  error: string | null;
  checkpoint: string;
  head: string;
  /**
   * Events after the checkpoint of the types the projection handles, counted up to `LAG_COUNT_LIMIT`
   * (then `lagEventsAtLeast`): 0 when caught up, even while the checkpoint trails the head by events it
   * skips (their checkpoint write is deferred up to the runner's checkpoint interval).
   */
  lagEvents: number;
  lagEventsAtLeast: boolean;
  /** Age of the oldest unprocessed event; 0 when caught up. */
  lagSeconds: number;
  building: { version: number; checkpoint: string } | null;
}

export const LAG_COUNT_LIMIT = 10_000;

export async function projectionStatus(
  pool: Pool,
  store: EventStore,
  projections: readonly AnyProjection[],
  now: () => Date = () => new Date(),
): Promise<ProjectionStatus[]> {
  await migrateProjectionRuntime(pool);
  const head = await store.headPosition();
  const { rows: regs } = await pool.query<RegistryRow>('SELECT * FROM projection_registry');
  const { rows: cps } = await pool.query<{ name: string; version: number; position: string }>(
    'SELECT name, version, position FROM projection_checkpoints',
  );
  const out: ProjectionStatus[] = [];
  for (const p of projections) {
    const reg = regs.find((r) => r.name === p.name);
    const cp = (v: number | null | undefined): string | undefined =>
      cps.find((c) => c.name === p.name && c.version === v)?.position;
    const checkpoint = cp(reg?.live_version) ?? formatPosition(START);
    const at = parsePosition(checkpoint);
    let lagEvents = 0;
    let lagSeconds = 0;
    if (comparePositions(at, head) < 0) {
      const pending = await store.readAll({
        after: at,
        maxCount: LAG_COUNT_LIMIT,
        eventTypes: eventTypesOf([p]),
      });
      lagEvents = pending.length;
      if (pending[0]) lagSeconds = Math.max(0, (now().getTime() - pending[0].recordedAt.getTime()) / 1000);
    }
    const buildCp = reg?.building_version ? cp(reg.building_version) : undefined;
    out.push({
      name: p.name,
      codeVersion: p.version,
      liveVersion: reg?.live_version ?? null,
      liveSchema: reg?.live_schema ?? null,
      status: reg?.status ?? 'missing',
      error: reg?.error ?? null,
      checkpoint,
      head: formatPosition(head),
      lagEvents,
      lagEventsAtLeast: lagEvents >= LAG_COUNT_LIMIT,
      lagSeconds,
      building:
        reg?.building_version && buildCp ? { version: reg.building_version, checkpoint: buildCp } : null,
    });
  }
  return out;
}

/**
 * Waits until every named projection's live checkpoint has reached `until` (default: the store's head
 * now). Pass the position an append returned to wait for that append: the head readers may see can
 * trail a just-committed append while an older transaction is still open.
 */
export async function waitForProjections(
  pool: Pool,
  store: EventStore,
  names: readonly string[],
  options: { until?: GlobalPosition; timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const head = options.until ?? (await store.headPosition());
  while (true) {
    const { rows } = await pool.query<{ name: string; position: string }>(
      `SELECT c.name, c.position FROM projection_checkpoints c
         JOIN projection_registry r ON r.name = c.name AND r.live_version = c.version
        WHERE c.name = ANY($1)`,
      [names],
    );
    const behind = names.filter((n) => {
      const row = rows.find((r) => r.name === n);
      return !row || comparePositions(parsePosition(row.position), head) < 0;
    });
    if (behind.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`projections not caught up with ${formatPosition(head)} in time: ${behind.join(', ')}`);
    await new Promise((ok) => setTimeout(ok, options.pollMs ?? 25));
  }
}
