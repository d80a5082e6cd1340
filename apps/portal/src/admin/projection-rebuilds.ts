import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '@tollgate/event-store';
import {
  rebuildProjections,
  type AnyProjection,
  type RebuildProgress,
  type RebuildResult,
} from '@tollgate/projections';

export type RebuildJobState = 'running' | 'done' | 'failed';

/** One blue/green rebuild started from the admin page, as the page and its JSON status show it. */
export interface RebuildJob {
  id: number;
  projections: string[];
  state: RebuildJobState;
  startedAt: Date;
  finishedAt: Date | null;
  progress: RebuildProgress | null;
  results: RebuildResult[];
  error: string | null;
}

/**
 * Runs admin-started projection rebuilds in the background of this process, one at a time, and keeps
 * the last one for the status display. The rebuild itself is the runtime's (next version from
 * position 0 while the old one serves, then an atomic switch); a second process rebuilding the same
 * projection is refused by the runtime's advisory lock and shows here as a failed job.
 */
@Injectable()
export class ProjectionRebuilds implements OnModuleDestroy {
  private readonly logger = new Logger('ProjectionRebuilds');
  private current: RebuildJob | null = null;
  private running: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private nextId = 1;

  /** The job running now, else the last one finished (null before the first). */
  latest(): RebuildJob | null {
    return this.current ? { ...this.current, results: [...this.current.results] } : null;
  }

  /** Starts a rebuild unless one is running (then returns null and starts nothing). */
  start(pool: Pool, store: EventStore, projections: readonly AnyProjection[]): RebuildJob | null {
    if (this.current?.state === 'running') return null;
    const job: RebuildJob = {
      id: this.nextId++,
      projections: projections.map((p) => p.name),
      state: 'running',
      startedAt: new Date(),
      finishedAt: null,
      progress: null,
      results: [],
      error: null,
    };
    this.current = job;
    const abort = new AbortController();
    this.abort = abort;
    this.running = rebuildProjections(pool, store, projections, {
      signal: abort.signal,
      onProgress: (p) => {
        job.progress = p;
      },
      log: (level, message) => {
        if (level === 'error') this.logger.error(message);
      },
    })
      .then((results) => {
        job.results = results;
        job.state = results.every((r) => r.ok) ? 'done' : 'failed';
        job.error = results.find((r) => !r.ok)?.error ?? null;
      })
      .catch((err: unknown) => {
        job.state = 'failed';
        job.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        job.finishedAt = new Date();
        this.abort = null;
      });
    return { ...job };
  }

  /** Shutdown: a rebuild in flight is aborted (the live version keeps serving) and awaited. */
  async onModuleDestroy(): Promise<void> {
    this.abort?.abort();
    await this.running;
  }
}
