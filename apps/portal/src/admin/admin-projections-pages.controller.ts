import {
  Controller,
  Get,
  Header,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { AdminApiErrorFilter } from '../../../gateway/src/admin/admin-errors';
import { projectionStatus, type ProjectionStatus } from '@tollgate/projections';
import { CurrentUser } from '../identity/decorators';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal } from '../identity/principal';
import { redirect } from '../layout/html-response';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { textField } from './admin-forms';
import { sendAdminPage, type AdminNotices } from './admin-renderer';
import { AdminServices } from './admin-services';
import { ProjectionRebuilds, type RebuildJob } from './projection-rebuilds';
import { PROJECTIONS_SCRIPT } from './projections-progress.script';

/** What the page and the JSON show of a rebuild job. */
export interface RebuildView {
  id: number;
  projections: string[];
  projectionList: string;
  state: RebuildJob['state'];
  phase: string | null;
  /** 0..100, whole percent. */
  percent: number;
  eventsRead: number;
  detail: string;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  results: { name: string; fromVersion: number; toVersion: number; ok: boolean; error: string | null }[];
}

export function rebuildView(job: RebuildJob): RebuildView {
  const p = job.progress;
  const percent =
    job.state === 'done' ? 100 : p ? Math.min(100, Math.max(0, Math.floor(p.fraction * 100))) : 0;
  const detail =
    job.state === 'done'
      ? `Switched: ${job.results.map((r) => `${r.name} v${r.fromVersion} → v${r.toVersion}`).join(', ')}.`
      : p
        ? `${p.eventsRead} events read, ${p.eventsPerSecond} per second, ${(p.elapsedMs / 1000).toFixed(1)} s.`
        : 'Starting.';
  return {
    id: job.id,
    projections: job.projections,
    projectionList: job.projections.join(', '),
    state: job.state,
    phase: p?.phase ?? null,
    percent,
    eventsRead: p?.eventsRead ?? 0,
    detail,
    error: job.error,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    results: job.results.map((r) => ({ ...r, error: r.error ?? null })),
  };
}

function statusView(s: ProjectionStatus) {
  return {
    name: s.name,
    codeVersion: s.codeVersion,
    liveVersion: s.liveVersion,
    status: s.status,
    error: s.error,
    checkpoint: s.checkpoint,
    head: s.head,
    lagEvents: s.lagEvents,
    lagEventsAtLeast: s.lagEventsAtLeast,
    lagSeconds: Math.round(s.lagSeconds * 10) / 10,
    building: s.building,
  };
}

/**
 * Read models: per projection its live version, checkpoint and lag; a rebuild button that starts a
 * blue/green rebuild in the background of this process, and its progress (page + JSON) until the switch.
 */
@Controller('admin')
@UseGuards(AdminGuard)
export class AdminProjectionsPagesController {
  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    private readonly services: AdminServices,
    private readonly rebuilds: ProjectionRebuilds,
  ) {}

  @Get('projections')
  @UseFilters(PortalPageExceptionFilter)
  async page(
    @CurrentUser() principal: PortalPrincipal,
    @Query('started') started: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.render(reply, 200, principal, {
      notice:
        started === '1' ? 'Rebuild started. The current versions keep serving until the switch.' : undefined,
    });
  }

  /** Status for scripts and the progress display; admins only, like the page. */
  @Get('projections/status.json')
  @UseFilters(AdminApiErrorFilter)
  @Header('cache-control', 'no-store')
  async status() {
    const statuses = await projectionStatus(
      this.pool,
      this.services.eventStore(),
      this.services.projections(),
    );
    const job = this.rebuilds.latest();
    return { projections: statuses.map(statusView), rebuild: job ? rebuildView(job) : null };
  }

  /** Only the rebuild job: what the progress display polls every second (no lag counting). */
  @Get('projections/rebuild.json')
  @UseFilters(AdminApiErrorFilter)
  @Header('cache-control', 'no-store')
  rebuildStatus() {
    const job = this.rebuilds.latest();
    return { rebuild: job ? rebuildView(job) : null };
  }

  @Post('projections/rebuild')
  @UseFilters(PortalPageExceptionFilter)
  async rebuild(
    @CurrentUser() principal: PortalPrincipal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const name = textField(request.body, 'name');
    const all = this.services.projections();
    const targets = name === '' ? all : all.filter((p) => p.name === name);
    if (targets.length === 0)
      return this.render(reply, 400, principal, { error: `There is no projection named ${name}.` });
    const job = this.rebuilds.start(this.pool, this.services.eventStore(), targets);
    if (!job)
      return this.render(reply, 409, principal, {
        error: 'A rebuild is already running; wait for it to finish. Nothing new was started.',
      });
    redirect(reply, '/admin/projections?started=1');
  }

  @Get('assets/projections.js')
  script(@Res() reply: FastifyReply): void {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(PROJECTIONS_SCRIPT);
  }

  private async render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
  ): Promise<void> {
    const statuses = await projectionStatus(
      this.pool,
      this.services.eventStore(),
      this.services.projections(),
    );
    const job = this.rebuilds.latest();
    sendAdminPage(
      reply,
      status,
      'projections',
      {
        ...notices,
        projections: statuses.map(statusView),
        head: statuses[0]?.head ?? '',
        job: job ? rebuildView(job) : null,
        running: job?.state === 'running',
      },
      principal,
    );
  }
}
