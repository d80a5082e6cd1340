import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { DomainError } from '@tollgate/event-store';
import { formatCreditsTrimmed, isMoneyError, parseCredits } from '@tollgate/money';
import { ADMIN_NAV_PARTIAL } from '../../../portal/src/admin/admin-templates';
import { CurrentAdmin, CurrentUser } from '../../../portal/src/identity/decorators';
import { PortalNotFoundException } from '../../../portal/src/identity/errors';
import { AdminGuard } from '../../../portal/src/identity/guards';
import {
  describeAdminActor,
  type AdminActor,
  type PortalPrincipal,
} from '../../../portal/src/identity/principal';
import { redirect, sendHtml } from '../../../portal/src/layout/html-response';
import { LAYOUT_TEMPLATE } from '../../../portal/src/layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../../../portal/src/layout/portal.css';
import { PortalPageExceptionFilter } from '../../../portal/src/views/page-exception.filter';
import { WorkspaceRulesService, type WorkspaceRulesView } from './workspace-rules.service';

const WORKSPACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const MAX_FIELD_CHARS = 20_000;
const NOTICES = { 'policy-saved': 'Provider policy saved.', 'quotas-saved': 'Quotas saved.' } as const;

/** Shown above the form; nothing changes. */
class FormError extends Error {}

const TEMPLATE = `
<h1>Policy and quotas</h1>
{{> adminnav}}
<p class="muted">Workspace <code>{{workspaceId}}</code>. <a href="/admin/workspaces/{{workspaceId}}">Back to the workspace</a></p>
<section class="card" aria-labelledby="policy-h">
  <h2 id="policy-h">Provider policy</h2>
  <p class="muted">Routing and fallback only use deployments this allows; a model left without any answers 403 <code>model_not_allowed_by_policy</code>. Lists are comma-separated ids; an empty allow list allows all.</p>
  <form method="post" action="/admin/workspaces/{{workspaceId}}/limits/policy">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="allow-providers">Allowed providers</label>
    <input id="allow-providers" name="allowProviders" type="text" value="{{policy.allowProviders}}">
    <label for="deny-providers">Denied providers</label>
    <input id="deny-providers" name="denyProviders" type="text" value="{{policy.denyProviders}}">
    <label for="allow-deployments">Allowed deployments</label>
    <input id="allow-deployments" name="allowDeployments" type="text" value="{{policy.allowDeployments}}">
    <label for="deny-deployments">Denied deployments</label>
    <input id="deny-deployments" name="denyDeployments" type="text" value="{{policy.denyDeployments}}">
    <label for="required-region">Only providers tagged (region, empty = any)</label>
    <input id="required-region" name="requiredRegion" type="text" maxlength="32" value="{{policy.requiredRegion}}">
    <label for="routing-policy">Routing</label>
    <select id="routing-policy" name="routingPolicy">
      <option value=""{{#if (eq policy.routingPolicy "")}} selected{{/if}}>Each model's own</option>
      <option value="priority"{{#if (eq policy.routingPolicy "priority")}} selected{{/if}}>Priority</option>
      <option value="cost"{{#if (eq policy.routingPolicy "cost")}} selected{{/if}}>Cheapest first</option>
    </select>
    <p><button type="submit">Save policy</button></p>
  </form>
</section>
<section class="card" aria-labelledby="quotas-h">
  <h2 id="quotas-h">Quotas</h2>
  <p class="muted">Enforced across all gateway instances; empty = no limit. Per-key quotas: <code>PUT /admin/api/workspaces/{{workspaceId}}/quotas</code>.</p>
  <form method="post" action="/admin/workspaces/{{workspaceId}}/limits/quotas">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="rpm">Requests per minute</label>
    <input id="rpm" name="requestsPerMinute" type="text" inputmode="numeric" value="{{quotas.requestsPerMinute}}">
    <label for="tpm">Tokens per minute</label>
    <input id="tpm" name="tokensPerMinute" type="text" inputmode="numeric" value="{{quotas.tokensPerMinute}}">
    <label for="per-day">Credits per day</label>
    <input id="per-day" name="creditsPerDay" type="text" inputmode="decimal" value="{{quotas.creditsPerDay}}">
    <label for="per-month">Credits per month</label>
    <input id="per-month" name="creditsPerMonth" type="text" inputmode="decimal" value="{{quotas.creditsPerMonth}}">
    <label for="concurrent">Concurrent requests</label>
    <input id="concurrent" name="concurrentRequests" type="text" inputmode="numeric" value="{{quotas.concurrentRequests}}">
    <label for="zone">Time zone of days and months (IANA)</label>
    <input id="zone" name="timeZone" type="text" maxlength="64" value="{{quotas.timeZone}}">
    <p><button type="submit">Save quotas</button></p>
  </form>
</section>
`;

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('adminnav', ADMIN_NAV_PARTIAL);
let page: Handlebars.TemplateDelegate | undefined;
let layout: Handlebars.TemplateDelegate | undefined;

type Form = Record<string, string>;

function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const v = (body as Record<string, unknown>)[name];
  if (typeof v !== 'string') return '';
  if (v.length > MAX_FIELD_CHARS) throw new FormError(`${name} is too long.`);
  return v.trim();
}

function ids(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function count(text: string, label: string): number | null {
  if (text === '') return null;
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new FormError(`${label} must be a whole number above zero.`);
  return Number(text);
}

function credits(text: string, label: string): bigint | null {
  if (text === '') return null;
  let n: bigint;
  try {
    n = parseCredits(text);
  } catch (err) {
    if (isMoneyError(err)) throw new FormError(`${label}: enter credits with at most 9 decimals.`);
    throw err;
  }
  if (n <= 0n) throw new FormError(`${label} must be more than zero.`);
  return n;
}

function formOf(view: WorkspaceRulesView): { policy: Form; quotas: Form } {
  const p = view.policy;
  const q = view.quotas;
  const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
  const money = (n: bigint | null | undefined) =>
    n === null || n === undefined ? '' : formatCreditsTrimmed(n);
  return {
    policy: {
      allowProviders: p?.allowProviders?.join(', ') ?? '',
      denyProviders: p?.denyProviders.join(', ') ?? '',
      allowDeployments: p?.allowDeployments?.join(', ') ?? '',
      denyDeployments: p?.denyDeployments.join(', ') ?? '',
      requiredRegion: p?.requiredRegion ?? '',
      routingPolicy: p?.routingPolicy ?? '',
    },
    quotas: {
      requestsPerMinute: text(q?.requestsPerMinute),
      tokensPerMinute: text(q?.tokensPerMinute),
      creditsPerDay: money(q?.creditsPerDayNanocredits),
      creditsPerMonth: money(q?.creditsPerMonthNanocredits),
      concurrentRequests: text(q?.concurrentRequests),
      timeZone: q?.timeZone ?? 'UTC',
    },
  };
}

/**
 * Admin pages for a workspace's provider policy and quotas (the same commands as the admin JSON API).
 * Writes need an admin session and its CSRF token (AdminGuard).
 */
@Controller('admin/workspaces/:workspaceId/limits')
@UseGuards(AdminGuard)
@UseFilters(PortalPageExceptionFilter)
export class WorkspaceRulesAdminPageController {
  constructor(@Inject(WorkspaceRulesService) private readonly rules: WorkspaceRulesService) {}

  @Get()
  async show(
    @CurrentUser() principal: PortalPrincipal,
    @Param('workspaceId') workspaceId: string,
    @Query('done') done: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.workspaceId(workspaceId);
    const notice = done && done in NOTICES ? NOTICES[done as keyof typeof NOTICES] : undefined;
    this.render(reply, 200, principal, id, formOf(await this.rules.read(id)), { notice });
  }

  @Post('policy')
  async savePolicy(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('workspaceId') workspaceId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.workspaceId(workspaceId);
    const b = request.body;
    try {
      const allowProviders = field(b, 'allowProviders');
      const allowDeployments = field(b, 'allowDeployments');
      const routing = field(b, 'routingPolicy');
      if (routing !== '' && routing !== 'priority' && routing !== 'cost')
        throw new FormError('Routing must be priority, cost or the model’s own.');
      await this.rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId: id,
        allowProviders: allowProviders === '' ? null : ids(allowProviders),
        denyProviders: ids(field(b, 'denyProviders')),
        allowDeployments: allowDeployments === '' ? null : ids(allowDeployments),
        denyDeployments: ids(field(b, 'denyDeployments')),
        requiredRegion: field(b, 'requiredRegion') || null,
        routingPolicy: routing === '' ? null : routing,
        actor: describeAdminActor(actor),
        now: new Date().toISOString(),
      });
      redirect(reply, `/admin/workspaces/${encodeURIComponent(id)}/limits?done=policy-saved`);
    } catch (err) {
      await this.failed(err, reply, principal, id);
    }
  }

  @Post('quotas')
  async saveQuotas(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('workspaceId') workspaceId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.workspaceId(workspaceId);
    const b = request.body;
    try {
      // Per-key quotas are kept as they are (they are set through the JSON API).
      const current = await this.rules.read(id);
      await this.rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId: id,
        requestsPerMinute: count(field(b, 'requestsPerMinute'), 'Requests per minute'),
        tokensPerMinute: count(field(b, 'tokensPerMinute'), 'Tokens per minute'),
        creditsPerDayNanocredits: credits(field(b, 'creditsPerDay'), 'Credits per day'),
        creditsPerMonthNanocredits: credits(field(b, 'creditsPerMonth'), 'Credits per month'),
        concurrentRequests: count(field(b, 'concurrentRequests'), 'Concurrent requests'),
        timeZone: field(b, 'timeZone') || 'UTC',
        keys: current.quotas?.keys ?? [],
        actor: describeAdminActor(actor),
        now: new Date().toISOString(),
      });
      redirect(reply, `/admin/workspaces/${encodeURIComponent(id)}/limits?done=quotas-saved`);
    } catch (err) {
      await this.failed(err, reply, principal, id);
    }
  }

  private workspaceId(raw: string): string {
    if (!WORKSPACE_ID.test(raw)) throw new PortalNotFoundException();
    return raw;
  }

  /** Bad input: the page again with the message and the current rules (nothing was changed). */
  private async failed(
    err: unknown,
    reply: FastifyReply,
    principal: PortalPrincipal,
    id: string,
  ): Promise<void> {
    const known =
      err instanceof FormError ||
      (err instanceof DomainError &&
        (err.code === 'INVALID_WORKSPACE_POLICY' || err.code === 'INVALID_QUOTAS'));
    if (!known) throw err;
    this.render(reply, 400, principal, id, formOf(await this.rules.read(id)), {
      error: (err as Error).message,
    });
  }

  private render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    workspaceId: string,
    form: { policy: Form; quotas: Form },
    notices: { error?: string; notice?: string },
  ): void {
    page ??= hbs.compile(TEMPLATE, { strict: false });
    layout ??= hbs.compile(LAYOUT_TEMPLATE, { strict: false });
    const html = layout({
      title: 'Policy and quotas',
      principal,
      cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
      body: page({ ...form, ...notices, workspaceId, section: 'workspaces', csrfToken: principal.csrfToken }),
    });
    sendHtml(reply, status, html);
  }
}
