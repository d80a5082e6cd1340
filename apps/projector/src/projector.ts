import type { Pool } from 'pg';
import { PostgresEventStore, type EventStore } from '@tollgate/event-store';
import {
  LEDGER_PROJECTIONS,
  ProjectionRunner,
  type AnyProjection,
  type ProjectionLog,
} from '@tollgate/projections';

export interface ProjectorOptions {
  pool: Pool;
  /** Defaults to the Postgres event store on the same pool (closed again by `stop`). */
  store?: EventStore;
  projections?: readonly AnyProjection[];
  batchSize?: number;
  lockRetryMs?: number;
  log?: ProjectionLog;
}

export interface Projector {
  runner: ProjectionRunner;
  store: EventStore;
  /** Stops at a checkpoint: the batch in flight commits (or rolls back), then leadership is released. */
  stop(): Promise<void>;
}

/** Starts the projection runner for every read model; the same code runs standalone and all-in-one. */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const ownsStore = !options.store;
  const store = options.store ?? new PostgresEventStore({ pool: options.pool });
  const runner = new ProjectionRunner({
    pool: options.pool,
    store,
    projections: options.projections ?? LEDGER_PROJECTIONS,
    batchSize: options.batchSize,
    lockRetryMs: options.lockRetryMs,
    log: options.log,
  });
  await runner.start();
  let stopped: Promise<void> | undefined;
  return {
    runner,
    store,
    stop: () =>
      (stopped ??= (async () => {
        await runner.stop();
        if (ownsStore) await store.close();
      })()),
  };
}
