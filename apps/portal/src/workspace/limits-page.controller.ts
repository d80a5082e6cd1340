import { Controller, Get, Inject, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import Handlebars from 'handlebars';
import { formatCreditsTrimmed } from '@tollgate/money';
import { formatResetDuration } from '@tollgate/gateway-core';
import {
  WorkspaceRulesService,
  type QuotaUse,
} from '../../../gateway/src/workspace-rules/workspace-rules.service';
import { CurrentUser, CurrentWorkspace } from '../identity/decorators';
import { WorkspaceMemberGuard } from '../identity/guards';
import type { PortalPrincipal, WorkspaceAccess } from '../identity/principal';
import { sendHtml } from '../layout/html-response';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { LIMITS_TEMPLATE } from './limits-templates';
import { WORKSPACE_NAV_PARTIAL } from './workspace-templates';

const LABELS: Record<QuotaUse['metric'], string> = {
  requests: 'Requests per minute',
  tokens: 'Tokens per minute',
  credits_day: 'Credits per day',
  credits_month: 'Credits per month',
  concurrent: 'Concurrent requests',
};

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('wsnav', WORKSPACE_NAV_PARTIAL);
let page: Handlebars.TemplateDelegate | undefined;
let layout: Handlebars.TemplateDelegate | undefined;

/** One quota row as the page shows it (credits as decimals, counts as integers). */
export function quotaRow(u: QuotaUse, nowMs: number): Record<string, string> {
  const money = u.metric === 'credits_day' || u.metric === 'credits_month';
  const show = (n: bigint): string => (money ? formatCreditsTrimmed(n) : n.toString());
  // Concurrency has no window: what is in use is what instances hold for requests in flight.
  const used = u.metric === 'concurrent' ? u.claimed : u.consumed;
  const left = u.limit - used;
  return {
    metric: u.metric,
    label: LABELS[u.metric],
    limit: show(u.limit),
    used: show(used),
    left: show(left > 0n ? left : 0n),
    resets: u.metric === 'concurrent' ? '—' : `in ${formatResetDuration(u.windowEndMs - nowMs)}`,
  };
}

/** `/w/:id/limits`: every member sees the workspace's quotas with current use and its provider policy. */
@Controller('w/:workspaceId/limits')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(WorkspaceMemberGuard)
export class LimitsPageController {
  constructor(@Inject(WorkspaceRulesService) private readonly rules: WorkspaceRulesService) {}

  @Get()
  async page(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const workspaceId = access.workspace.id;
    const view = await this.rules.read(workspaceId);
    const now = Date.now();
    const usage = await this.rules.usage(workspaceId, view.quotas, now);
    page ??= hbs.compile(LIMITS_TEMPLATE, { strict: false });
    layout ??= hbs.compile(LAYOUT_TEMPLATE, { strict: false });
    const ws = { id: workspaceId, name: access.workspace.name };
    const html = layout({
      title: `Limits · ${ws.name}`,
      principal,
      currentWorkspaceId: ws.id,
      cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
      body: page({
        ws,
        section: 'limits',
        csrfToken: principal.csrfToken,
        quotas: usage.filter((u) => u.keyId === null).map((u) => quotaRow(u, now)),
        keyQuotas: usage
          .filter((u) => u.keyId !== null)
          .map((u) => ({ keyId: u.keyId, ...quotaRow(u, now) })),
        timeZone: view.quotas?.timeZone ?? 'UTC',
        policy: view.policy,
      }),
    });
    sendHtml(reply, 200, html);
  }
}
