import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Pool } from 'pg';
import type { CorrectionCommand } from '@tollgate/catalog';
import type { EventStore } from '@tollgate/event-store';
import { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import {
  applyCorrection,
  type ApplyResult,
  type PreviewProgress,
  type RebuildProgress,
} from '@tollgate/projections';

export type CorrectionJobPhase = 'previewing' | 're-rating' | 'rebuilding' | 'done' | 'failed';

/** One correction applied from the admin pages, as its progress page shows it. */
export interface CorrectionJob {
  id: number;
  command: CorrectionCommand;
  phase: CorrectionJobPhase;
  startedAt: Date;
  finishedAt: Date | null;
  preview: PreviewProgress | null;
  adjustments: { done: number; total: number } | null;
  rebuild: RebuildProgress | null;
  result: ApplyResult | null;
  error: string | null;
}

/** Jobs kept for their pages; older ones are forgotten (the events are the record). */
const MAX_KEPT_JOBS = 50;

/**
 * Applies corrections in the background of this process, one at a time: preview amounts, append,
 * re-rate, then the blue/green rebuild of the margins read model, with progress for the page.
 */
@Injectable()
export class CorrectionJobs implements OnModuleDestroy {
  private readonly logger = new Logger('CorrectionJobs');
  private readonly jobs = new Map<number, CorrectionJob>();
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private nextId = 1;

  constructor(private readonly moduleRef: ModuleRef) {}

  /**
   * A correction changes the cost or price in force, so the aliases it touches get their margins
   * checked again (flagged, or paused when configured). The gateway admin lives beside the portal in
   * the all-in-one app; a portal alone has none and the next catalog change re-checks instead.
   */
  private async recheckMargins(command: CorrectionCommand): Promise<void> {
    let admin: GatewayAdmin;
    try {
      admin = this.moduleRef.get(GatewayAdmin, { strict: false });
    } catch {
      return;
    }
    const scope =
      command.type === 'CorrectPrice'
        ? { alias: command.alias }
        : { providerId: command.providerId, upstreamModel: command.upstreamModel };
    await admin.recheckMargins(scope, command.actor);
  }

  get(id: number): CorrectionJob | null {
    const job = this.jobs.get(id);
    return job ? { ...job } : null;
  }

  busy(): boolean {
    return [...this.jobs.values()].some((j) => j.phase !== 'done' && j.phase !== 'failed');
  }

  /** Starts applying unless a correction is being applied (then null, nothing started). */
  start(pool: Pool, store: EventStore, command: CorrectionCommand): CorrectionJob | null {
    if (this.busy()) return null;
    const job: CorrectionJob = {
      id: this.nextId++,
      command,
      phase: 'previewing',
      startedAt: new Date(),
      finishedAt: null,
      preview: null,
      adjustments: null,
      rebuild: null,
      result: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - MAX_KEPT_JOBS)))
      this.jobs.delete(id);
    this.running = applyCorrection({ pool, store }, command, {
      signal: this.abort.signal,
      onPreviewProgress: (p) => {
        job.preview = p;
      },
      onAdjustment: (done, total) => {
        job.phase = 're-rating';
        job.adjustments = { done, total };
      },
      onRebuildProgress: (p) => {
        job.phase = 'rebuilding';
        job.rebuild = p;
      },
    })
      .then(async (result) => {
        job.result = result;
        await this.recheckMargins(command);
        const failed = (result.rebuild ?? []).find((r) => !r.ok);
        job.phase = failed ? 'failed' : 'done';
        job.error = failed ? `rebuild of ${failed.name} failed: ${failed.error ?? 'unknown error'}` : null;
      })
      .catch((err: unknown) => {
        job.phase = 'failed';
        job.error = err instanceof Error ? err.message : String(err);
        if (!(err instanceof Error && 'code' in err)) this.logger.error(job.error);
      })
      .finally(() => {
        job.finishedAt = new Date();
      });
    return { ...job };
  }

  /** Shutdown: a rebuild in flight is aborted (the live version keeps serving; applying again redoes it). */
  async onModuleDestroy(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
