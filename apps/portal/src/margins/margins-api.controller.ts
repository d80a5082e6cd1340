import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { CorrectionCommand } from '@tollgate/catalog';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { EVENT_STORE } from '@tollgate/ledger-nest';
import { marginSummary, previewCorrection, validateCorrection } from '@tollgate/projections';
import { AdminApiErrorFilter } from '../../../gateway/src/admin/admin-errors';
import { FormError } from '../admin/admin-forms';
import { CurrentAdmin } from '../identity/decorators';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import { describeAdminActor, type AdminActor } from '../identity/principal';
import { CorrectionJobs } from './correction-jobs';
import { reviewWindow } from './margins-pages.controller';

/** bigint → decimal string, everywhere in a JSON answer. */
function json<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/**
 * The same margin review and corrections as JSON for scripts (admin session with CSRF, or the
 * operator's bearer token). Errors are `{ error: { code, message } }`. A correction body is the
 * CorrectCostProfile / CorrectPrice command without `actor` and `now` (taken from the caller and the clock).
 */
export function correctionFromBody(body: unknown, actor: string, now: Date): CorrectionCommand {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new DomainError('INVALID_CORRECTION', 'expected a JSON object', { field: '(body)' });
  const b = body as Record<string, unknown>;
  if (b.type !== 'CorrectCostProfile' && b.type !== 'CorrectPrice')
    throw new DomainError('INVALID_CORRECTION', 'type: expected CorrectCostProfile or CorrectPrice', {
      field: 'type',
    });
  // The decider's schema checks every field; unknown ones are dropped by it.
  const command = { rerate: false, ...b, actor, now: now.toISOString() } as CorrectionCommand;
  const invalid = validateCorrection(command);
  if (invalid && invalid.code !== 'CORRECTION_CONFLICT') throw invalid;
  return command;
}

@Controller('admin')
@UseGuards(AdminGuard)
@UseFilters(AdminApiErrorFilter)
export class MarginsApiController {
  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly jobs: CorrectionJobs,
  ) {}

  @Get('margins.json')
  @Header('cache-control', 'no-store')
  async margins(@Query('from') from: unknown, @Query('to') to: unknown) {
    let window: { fromMs: number; toMs: number };
    try {
      window = reviewWindow(from, to, Date.now());
    } catch (err) {
      if (err instanceof FormError) throw new DomainError('INVALID_WINDOW', err.message, { field: 'from' });
      throw err;
    }
    const rows = await marginSummary(this.pool, { from: new Date(window.fromMs), to: new Date(window.toMs) });
    return json({
      from: new Date(window.fromMs).toISOString(),
      to: new Date(window.toMs).toISOString(),
      rows,
    });
  }

  @Post('corrections/preview.json')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async preview(@CurrentAdmin() actor: AdminActor, @Body() body: unknown) {
    const command = correctionFromBody(body, describeAdminActor(actor), new Date());
    return json(await previewCorrection({ pool: this.pool, store: this.store }, command));
  }

  /** Starts applying (202 with the job's status URL); 409 while another correction is being applied. */
  @Post('corrections/apply.json')
  async apply(@CurrentAdmin() actor: AdminActor, @Body() body: unknown, @Res() reply: FastifyReply) {
    const command = correctionFromBody(body, describeAdminActor(actor), new Date());
    const job = this.jobs.start(this.pool, this.store, command);
    if (!job)
      throw new DomainError(
        'CORRECTION_IN_PROGRESS_CONFLICT',
        'another correction is being applied; try again when it is done',
      );
    const statusUrl = `/admin/corrections/jobs/${job.id}/status.json`;
    void reply
      .code(202)
      .header('location', statusUrl)
      .send({ jobId: job.id, correctionId: command.correctionId, statusUrl });
  }
}
