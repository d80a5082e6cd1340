import { Controller, Get, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@tollgate/event-store';
import { MAX_ALERT_THRESHOLDS, webhookUrlProblem } from '@tollgate/catalog';
import { formatCreditsTrimmed, parseCredits } from '@tollgate/money';
import { CurrentUser, CurrentWorkspace } from '../identity/decorators';
import { WorkspaceMemberGuard, WorkspaceRoles } from '../identity/guards';
import type { PortalPrincipal, WorkspaceAccess } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { formField } from '../views/form';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { ALERTS_CONFIG, type AlertsReactorConfig } from './alerts-config';
import { renderAlertsPage } from './alerts-renderer';
import { AlertsService } from './alerts.service';
import { literalTargetProblem } from './webhook-target';

export const ALERTS_SERVICE = Symbol('ALERTS_SERVICE');

const iso = (d: Date | null): string => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '');

type Form = { thresholds: string; webhookUrl: string };

/** Thresholds typed as credits ("50, 10.5") → nanocredits, or the sentence to show. */
export function parseThresholds(text: string): bigint[] | string {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length > MAX_ALERT_THRESHOLDS) return `Enter at most ${MAX_ALERT_THRESHOLDS} thresholds.`;
  const out: bigint[] = [];
  for (const p of parts) {
    let n: bigint;
    try {
      n = parseCredits(p);
    } catch {
      return `"${p.slice(0, 40)}" is not an amount of credits (like 10 or 2.5).`;
    }
    if (n < 0n) return 'Thresholds cannot be negative.';
    if (out.includes(n)) return `${p} is listed twice.`;
    out.push(n);
  }
  return out;
}

/**
 * `/w/:id/alerts`: every member sees the thresholds, state and webhook deliveries; only owners change
 * them (CSRF-checked by the guard like every portal form).
 */
@Controller('w/:workspaceId/alerts')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(WorkspaceMemberGuard)
export class AlertsPagesController {
  constructor(
    @Inject(ALERTS_SERVICE) private readonly alerts: AlertsService,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsReactorConfig,
  ) {}

  @Get()
  async page(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const saved = (request.query as Record<string, unknown> | undefined)?.saved === '1';
    await this.render(reply, 200, principal, access, { notice: saved ? 'Alerts saved.' : undefined });
  }

  @Post()
  @WorkspaceRoles('owner')
  async save(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form: Form = {
      thresholds: formField(request.body, 'thresholds').trim(),
      webhookUrl: formField(request.body, 'webhookUrl').trim(),
    };
    const fail = (error: string) => this.render(reply, 400, principal, access, { error, form });
    const thresholds = parseThresholds(form.thresholds);
    if (typeof thresholds === 'string') return fail(thresholds);
    if (form.webhookUrl) {
      const problem =
        webhookUrlProblem(form.webhookUrl) ??
        literalTargetProblem(form.webhookUrl, this.config.allowNonPublicTargets);
      if (problem) return fail(`Webhook URL: ${problem}.`);
    }
    const result = await this.alerts.save(
      access.workspace.id,
      { thresholdsNanocredits: thresholds, webhookUrl: form.webhookUrl || null },
      `user:${principal.user.id}`,
    );
    if (result instanceof DomainError) {
      const issues = (result.details as { issues?: string[] }).issues ?? [];
      return fail(issues.length > 0 ? `${result.message}: ${issues.join('; ')}` : result.message);
    }
    if (result.newSecret)
      return this.render(reply, 201, principal, access, {
        notice: 'Alerts saved.',
        newSecret: result.newSecret,
      });
    redirect(reply, `/w/${access.workspace.id}/alerts?saved=1`);
  }

  /** The new secret is rendered in this response only (no redirect), so it is never shown again. */
  @Post('secret')
  @WorkspaceRoles('owner')
  async rotate(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const secret = await this.alerts.rotateSecret(access.workspace.id, `user:${principal.user.id}`);
    await this.render(reply, 201, principal, access, {
      notice: 'New signing secret created; deliveries from now on are signed with it.',
      newSecret: secret,
    });
  }

  private async render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    extra: { error?: string; notice?: string; form?: Form; newSecret?: string },
  ): Promise<void> {
    const workspaceId = access.workspace.id;
    const [state, deliveries] = await Promise.all([
      this.alerts.state(workspaceId),
      this.alerts.deliveries(workspaceId),
    ]);
    const thresholds = (state.settings?.thresholdsNanocredits ?? []).map(formatCreditsTrimmed);
    const html = renderAlertsPage(
      {
        ws: { id: workspaceId, name: access.workspace.name },
        ...extra,
        form: extra.form ?? {
          thresholds: thresholds.join(', '),
          webhookUrl: state.settings?.webhookUrl ?? '',
        },
        canManage: access.role === 'owner',
        thresholds,
        below: [...state.below].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(formatCreditsTrimmed),
        secretHint: state.secretHint,
        deliveries: deliveries.map((d) => ({
          deliveryId: d.deliveryId,
          eventType: d.eventType === 'LowBalanceThresholdCrossed' ? 'below threshold' : 'recovered',
          nextAttemptAt: iso(d.nextAttemptAt),
          attemptList: d.attemptList.map((a) => ({
            attempt: a.attempt,
            startedAt: iso(a.startedAt),
            result: a.statusCode !== null ? `HTTP ${a.statusCode}` : (a.error ?? ''),
            durationMs: a.durationMs,
            outcome: a.outcome,
          })),
        })),
      },
      principal,
    );
    sendHtml(reply, status, html);
  }
}
