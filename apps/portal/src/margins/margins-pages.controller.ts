import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
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
import type { CorrectionCommand } from '@tollgate/catalog';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { EVENT_STORE } from '@tollgate/ledger-nest';
import { formatCredits } from '@tollgate/money';
import {
  marginPercent,
  marginSummary,
  previewCorrection,
  validateCorrection,
  type PreviewResult,
} from '@tollgate/projections';
import { adminErrorText, FormError } from '../admin/admin-forms';
import { CurrentAdmin, CurrentUser } from '../identity/decorators';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import { describeAdminActor, type AdminActor, type PortalPrincipal } from '../identity/principal';
import { redirect } from '../layout/html-response';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { CorrectionJobs, type CorrectionJob } from './correction-jobs';
import {
  correctionFromForm,
  hiddenFields,
  localValue,
  readCorrectionForm,
  type CorrectionFormValues,
} from './correction-form';
import { sendMarginsPage } from './margins-renderer';

const DAY_MS = 86_400_000;
/** The margin review reads at most this long a window. */
const MAX_WINDOW_DAYS = 366;
const LIST_LIMIT = 200;

function dayText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `from`/`to` as UTC days (to exclusive); default the last 7 days including today. */
export function reviewWindow(from: unknown, to: unknown, nowMs: number): { fromMs: number; toMs: number } {
  const today = Date.parse(dayText(nowMs));
  const parse = (v: unknown, label: string, fallback: number): number => {
    if (v === undefined || v === '') return fallback;
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)))
      throw new FormError(`${label}: enter a day as YYYY-MM-DD.`);
    return Date.parse(v);
  };
  const toMs = parse(to, 'To', today + DAY_MS);
  const fromMs = parse(from, 'From', toMs - 7 * DAY_MS);
  if (toMs <= fromMs) throw new FormError('The window must end after it starts.');
  if (toMs - fromMs > MAX_WINDOW_DAYS * DAY_MS)
    throw new FormError(`Choose a window of at most ${MAX_WINDOW_DAYS} days.`);
  return { fromMs, toMs };
}

function targetText(p: PreviewResult): string {
  return p.target.kind === 'cost'
    ? `Cost profile ${p.target.providerId} / ${p.target.upstreamModel}`
    : `Sell price of ${p.target.alias}`;
}

function previewView(p: PreviewResult) {
  return {
    correctionId: p.correctionId,
    target: targetText(p),
    from: new Date(p.fromMs).toISOString(),
    to: p.toMs === null ? 'open end' : new Date(p.toMs).toISOString(),
    rerate: p.rerate,
    requests: p.requests,
    lagEvents: p.lagEvents,
    costBefore: formatCredits(p.costBeforeNanocredits),
    costAfter: formatCredits(p.costAfterNanocredits),
    priceBefore: formatCredits(p.priceBeforeNanocredits),
    priceAfter: formatCredits(p.priceAfterNanocredits),
    marginBefore: formatCredits(p.marginBeforeNanocredits),
    marginAfter: formatCredits(p.marginAfterNanocredits),
    workspaces: p.workspaces.map((w) => ({
      workspaceId: w.workspaceId,
      requests: w.requests,
      delta: formatCredits(w.chargeDeltaNanocredits),
    })),
  };
}

/** What the job page and its JSON show. */
export function jobView(job: CorrectionJob) {
  const running = job.phase !== 'done' && job.phase !== 'failed';
  const percent =
    job.phase === 'done'
      ? 100
      : job.phase === 'rebuilding' && job.rebuild
        ? 50 + Math.floor(job.rebuild.fraction * 50)
        : job.phase === 're-rating' && job.adjustments
          ? 25 + Math.floor((job.adjustments.done / Math.max(1, job.adjustments.total)) * 25)
          : job.preview
            ? Math.floor((job.preview.requestsDone / Math.max(1, job.preview.requestsTotal)) * 25)
            : 0;
  const detail =
    job.phase === 'rebuilding' && job.rebuild
      ? `Rebuilding margins: ${job.rebuild.eventsRead} events read, ${job.rebuild.eventsPerSecond} per second${job.rebuild.phase === 'switching' ? ', switching' : ''}.`
      : job.phase === 're-rating' && job.adjustments
        ? `Re-rating: ${job.adjustments.done} of ${job.adjustments.total} workspaces.`
        : job.preview
          ? `Reading affected requests: ${job.preview.requestsDone} of ${job.preview.requestsTotal}.`
          : job.phase === 'done'
            ? 'Done.'
            : 'Starting.';
  const c = job.command;
  const fromDay = dayText(Date.parse(c.from));
  const toDay = dayText((c.to ? Date.parse(c.to) : job.startedAt.getTime()) + DAY_MS);
  const result = job.result;
  return {
    id: job.id,
    correctionId: c.correctionId,
    phase: job.phase,
    state: running ? 'running' : job.phase,
    running,
    done: job.phase === 'done',
    percent,
    detail,
    error:
      job.error && job.result
        ? `${job.error}. The correction and any re-rating are booked; apply the same correction again to retry the rebuild (nothing is booked twice).`
        : job.error,
    appended: result?.appended ?? null,
    rebuildText:
      (result?.rebuild ?? [])
        .map((r) => (r.ok ? `v${r.fromVersion} → v${r.toVersion}` : `failed (${r.error})`))
        .join(', ') || 'skipped',
    adjustments: (result?.adjustments ?? []).map((a) => ({
      workspaceId: a.workspaceId,
      accountId: a.accountId,
      outcome: a.outcome,
      error: a.error ?? null,
      requested: formatCredits(a.requestedNanocredits),
      adjusted: formatCredits(a.adjustedNanocredits),
      uncollected: formatCredits(a.uncollectedNanocredits),
    })),
    marginsFrom: fromDay,
    marginsTo: toDay,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

function emptyForm(now: Date): CorrectionFormValues {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return {
    correctionId: `corr-${stamp}`,
    kind: 'cost',
    providerId: '',
    upstreamModel: '',
    alias: '',
    priceKind: 'per_million',
    inputPerMillion: '',
    cachedPerMillion: '',
    outputPerMillion: '',
    markupPercent: '',
    from: localValue(new Date(Date.parse(dayText(now.getTime())) - DAY_MS).toISOString()),
    to: '',
    reason: '',
    rerate: false,
  };
}

function actorId(actor: AdminActor): string {
  return describeAdminActor(actor).slice(0, 200);
}

/**
 * Margin review (`/admin/margins`) and corrections (`/admin/corrections`: form → preview → apply →
 * progress → corrected margins). Admins only; forms carry the session's CSRF token (AdminGuard checks).
 */
@Controller('admin')
@UseGuards(AdminGuard)
export class MarginsPagesController {
  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly jobs: CorrectionJobs,
  ) {}

  @Get('margins')
  @UseFilters(PortalPageExceptionFilter)
  async margins(
    @CurrentUser() principal: PortalPrincipal,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    let window: { fromMs: number; toMs: number };
    let error: string | undefined;
    try {
      window = reviewWindow(from, to, Date.now());
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      error = err.message;
      window = reviewWindow(undefined, undefined, Date.now());
    }
    const rows = await marginSummary(this.pool, { from: new Date(window.fromMs), to: new Date(window.toMs) });
    const { rows: days } = await this.pool.query<{
      day: string;
      requests: string;
      cost: string;
      price: string;
    }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(requests)::text AS requests, sum(cost_nanocredits)::text AS cost,
              sum(charged_nanocredits + rerate_delta_nanocredits)::text AS price
         FROM margin_daily WHERE day >= $1::date AND day < $2::date GROUP BY day ORDER BY day LIMIT ${MAX_WINDOW_DAYS}`,
      [dayText(window.fromMs), dayText(window.toMs)],
    );
    const { rows: reg } = await this.pool.query<{ building_version: number | null }>(
      `SELECT building_version FROM projection_registry WHERE name = 'margins'`,
    );
    sendMarginsPage(
      reply,
      error ? 400 : 200,
      'margins',
      {
        error,
        window: { from: dayText(window.fromMs), to: dayText(window.toMs) },
        rebuilding: reg[0]?.building_version ? { version: reg[0].building_version } : null,
        rows: rows.map((r) => ({
          alias: r.alias,
          deployment: r.deployment,
          provider: r.provider,
          upstreamModel: r.upstreamModel,
          requests: r.requests.toString(),
          promptTokens: r.promptTokens.toString(),
          completionTokens: r.completionTokens.toString(),
          cost: formatCredits(r.costNanocredits),
          price: formatCredits(r.priceNanocredits),
          margin: formatCredits(r.marginNanocredits),
          loss: r.marginNanocredits < 0n,
          marginPercent: r.marginPercent,
          exposure: formatCredits(r.exposureNanocredits),
          lossRequests: r.lossRequests > 0n ? r.lossRequests.toString() : null,
        })),
        days: days.map((d) => {
          const cost = BigInt(d.cost);
          const price = BigInt(d.price);
          return {
            day: d.day,
            requests: d.requests,
            cost: formatCredits(cost),
            price: formatCredits(price),
            margin: formatCredits(price - cost),
            marginPercent: marginPercent(price - cost, price),
          };
        }),
      },
      principal,
    );
  }

  @Get('corrections')
  @UseFilters(PortalPageExceptionFilter)
  async corrections(@CurrentUser() principal: PortalPrincipal, @Res() reply: FastifyReply): Promise<void> {
    await this.renderForm(reply, 200, principal, emptyForm(new Date()));
  }

  @Post('corrections/preview')
  @UseFilters(PortalPageExceptionFilter)
  async preview(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = readCorrectionForm(request.body);
    let command: CorrectionCommand;
    let result: PreviewResult;
    try {
      command = correctionFromForm(form, actorId(actor), new Date());
      result = await previewCorrection({ pool: this.pool, store: this.store }, command);
    } catch (err) {
      const text = adminErrorText(err);
      if (text === null) throw err;
      return this.renderForm(reply, 400, principal, form, text);
    }
    sendMarginsPage(
      reply,
      200,
      'preview',
      { preview: previewView(result), hidden: hiddenFields(form), form },
      principal,
    );
  }

  @Post('corrections/apply')
  @UseFilters(PortalPageExceptionFilter)
  async apply(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = readCorrectionForm(request.body);
    let command: CorrectionCommand;
    try {
      command = correctionFromForm(form, actorId(actor), new Date());
      // Refuse bad input here, on the form, before a job starts.
      const invalid = validateCorrection(command);
      if (invalid && invalid.code !== 'CORRECTION_CONFLICT') throw invalid;
    } catch (err) {
      const text = err instanceof DomainError || err instanceof FormError ? adminErrorText(err) : null;
      if (text === null) throw err;
      return this.renderForm(reply, 400, principal, form, text);
    }
    const job = this.jobs.start(this.pool, this.store, command);
    if (!job)
      return this.renderForm(
        reply,
        409,
        principal,
        form,
        'Another correction is being applied; wait for it to finish. Nothing was started.',
      );
    redirect(reply, `/admin/corrections/jobs/${job.id}`);
  }

  @Get('corrections/jobs/:id')
  @UseFilters(PortalPageExceptionFilter)
  job(@CurrentUser() principal: PortalPrincipal, @Param('id') id: string, @Res() reply: FastifyReply): void {
    const job = /^\d{1,9}$/.test(id) ? this.jobs.get(Number(id)) : null;
    if (!job) throw new NotFoundException();
    const view = jobView(job);
    sendMarginsPage(reply, 200, 'job', { job: view }, principal, view.running ? 1 : undefined);
  }

  /** The job's progress for scripts and tests; admins only, like the page. */
  @Get('corrections/jobs/:id/status.json')
  @UseFilters(AdminApiErrorFilter)
  @Header('cache-control', 'no-store')
  jobStatus(@Param('id') id: string) {
    const job = /^\d{1,9}$/.test(id) ? this.jobs.get(Number(id)) : null;
    if (!job) throw new NotFoundException({ code: 'NOT_FOUND', message: `no correction job ${id}` });
    return jobView(job);
  }

  private async renderForm(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    form: CorrectionFormValues,
    error?: string,
  ): Promise<void> {
    const { rows: history } = await this.pool.query<{ event_type: string; data: string }>(
      `SELECT event_type, data FROM (
         SELECT event_type, data FROM margin_cost_history WHERE event_type = 'CostProfileCorrected'
         UNION ALL
         SELECT event_type, data FROM margin_price_history WHERE event_type = 'PriceCorrected') c
       LIMIT ${LIST_LIMIT}`,
    );
    const applied = history
      .map((h) => ({ type: h.event_type, d: JSON.parse(h.data) as Record<string, unknown> }))
      .map(({ type, d }) => ({
        correctionId: String(d.correctionId),
        target:
          type === 'CostProfileCorrected'
            ? `cost ${String(d.providerId)} / ${String(d.upstreamModel)}`
            : `price ${String(d.alias)}`,
        from: String(d.from),
        to: d.to === null ? 'open end' : String(d.to),
        value: JSON.stringify(type === 'CostProfileCorrected' ? d.cost : d.price),
        rerate: d.rerate === true,
        reason: String(d.reason),
        actor: String(d.actor),
        at: String(d.at),
      }))
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const { rows: known } = await this.pool.query<{ provider: string; model: string; alias: string }>(
      `SELECT DISTINCT provider, upstream_model AS model, alias FROM (
         SELECT provider, upstream_model, alias FROM margin_requests ORDER BY occurred_at DESC LIMIT 5000) r
       LIMIT ${LIST_LIMIT}`,
    );
    const uniq = (xs: string[]) => [...new Set(xs)].sort();
    sendMarginsPage(
      reply,
      status,
      'corrections',
      {
        error,
        form,
        applied,
        known: {
          providers: uniq(known.map((k) => k.provider)),
          models: uniq(known.map((k) => k.model)),
          aliases: uniq(known.map((k) => k.alias)),
        },
      },
      principal,
    );
  }
}
