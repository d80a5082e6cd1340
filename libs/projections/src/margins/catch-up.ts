import type { Pool } from 'pg';
import {
  comparePositions,
  DomainError,
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
} from '@tollgate/event-store';
import { marginsProjection } from '../read-models/margins.projection';
import { ProjectionRunner } from '../runtime/runner';
import { LAG_COUNT_LIMIT } from '../runtime/status';

/**
 * Re-rating reads the margins read model: a request it has not projected yet would silently not be
 * re-rated. This waits (bounded, with progress) until the live margins checkpoint reaches a position.
 */
export interface MarginsCatchUpProgress {
  checkpoint: string;
  target: string;
  /** Events between the checkpoint and the target, counted up to `LAG_COUNT_LIMIT`. */
  lagEvents: number;
  elapsedMs: number;
}

export interface MarginsCatchUpOptions {
  /** Default `MARGINS_CATCH_UP_TIMEOUT_MS`. */
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (p: MarginsCatchUpProgress) => void;
  signal?: AbortSignal;
  /**
   * Project while waiting (default false): a margins runner of our own takes the leader lock when no
   * projector holds it (the CLI with the product stopped), and only stands by when one does.
   */
  project?: boolean;
}

export const MARGINS_CATCH_UP_TIMEOUT_MS = 60_000;
const PROGRESS_EVERY_MS = 1_000;

async function marginsCheckpoint(pool: Pool): Promise<GlobalPosition> {
  const { rows } = await pool.query<{ position: string }>(
    `SELECT c.position FROM projection_checkpoints c
       JOIN projection_registry r ON r.name = c.name AND r.live_version = c.version
      WHERE c.name = $1`,
    [marginsProjection.name],
  );
  return rows[0] ? parsePosition(rows[0].position) : START;
}

async function lagBetween(store: EventStore, from: GlobalPosition, to: GlobalPosition): Promise<number> {
  const pending = await store.readAll({ after: from, maxCount: LAG_COUNT_LIMIT });
  return pending.filter((e) => comparePositions(e.position, to) <= 0).length;
}

/** Resolves once the margins projection has applied everything up to `until`; MARGINS_BEHIND on timeout. */
export async function waitForMarginsCatchUp(
  deps: { pool: Pool; store: EventStore },
  until: GlobalPosition,
  options: MarginsCatchUpOptions = {},
): Promise<void> {
  if (comparePositions(await marginsCheckpoint(deps.pool), until) >= 0) return;
  if (!options.project) return waitForCheckpoint(deps, until, options);
  const helper = new ProjectionRunner({
    pool: deps.pool,
    store: deps.store,
    projections: [marginsProjection],
    lockRetryMs: 500,
    autoRebuild: false,
    checkpointIntervalMs: 0,
    log: () => undefined,
  });
  await helper.start();
  try {
    await waitForCheckpoint(deps, until, options);
  } finally {
    await helper.stop();
  }
}

async function waitForCheckpoint(
  deps: { pool: Pool; store: EventStore },
  until: GlobalPosition,
  options: MarginsCatchUpOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? MARGINS_CATCH_UP_TIMEOUT_MS;
  const started = Date.now();
  let lastReport = -Infinity;
  for (;;) {
    const at = await marginsCheckpoint(deps.pool);
    if (comparePositions(at, until) >= 0) return;
    const elapsedMs = Date.now() - started;
    if (options.onProgress && elapsedMs - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = elapsedMs;
      options.onProgress({
        checkpoint: formatPosition(at),
        target: formatPosition(until),
        lagEvents: await lagBetween(deps.store, at, until),
        elapsedMs,
      });
    }
    if (elapsedMs > timeoutMs) {
      const lagEvents = await lagBetween(deps.store, at, until);
      throw new DomainError(
        'MARGINS_BEHIND',
        `the margins read model has not projected ${lagEvents}${lagEvents >= LAG_COUNT_LIMIT ? '+' : ''} ` +
          `event(s) up to ${formatPosition(until)} within ${timeoutMs} ms (checkpoint ${formatPosition(at)}): ` +
          're-rating would miss the requests among them; check that the projector runs ' +
          '(`tollgate projections status`) and retry',
        { checkpoint: formatPosition(at), target: formatPosition(until), lagEvents },
      );
    }
    if (options.signal?.aborted) throw new Error('aborted while waiting for the margins read model');
    await new Promise((ok) => setTimeout(ok, options.pollMs ?? 50));
  }
}
