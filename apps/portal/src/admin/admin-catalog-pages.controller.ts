import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { ALIAS_STATUSES, ALIAS_TRANSITIONS, type AliasStatus } from '@tollgate/catalog';
import { versionAt, type SellPrice } from '@tollgate/gateway-core';
import { CurrentAdmin, CurrentUser } from '../identity/decorators';
import { PortalNotFoundException } from '../identity/errors';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import { describeAdminActor, type AdminActor, type PortalPrincipal } from '../identity/principal';
import { redirect } from '../layout/html-response';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import {
  adminErrorStatus,
  adminErrorText,
  FormError,
  intField,
  requiredText,
  textField,
  utc,
} from './admin-forms';
import { sendAdminPage, type AdminNotices } from './admin-renderer';
import type { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { AdminServices } from './admin-services';
import { AdminCatalogReads, type AliasView, type ProviderView } from './catalog-read';
import { REFERENCE_MIX_TEXT } from './margin';

/** Rows of the routing form: the alias's deployments plus blanks to add, up to the catalog's limit. */
const MAX_DEPLOYMENT_ROWS = 16;
const BLANK_DEPLOYMENT_ROWS = 2;
const ALIAS_NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

/** Redirect targets after a change, with the confirmation to show (a fixed set: nothing user-typed). */
const NOTICES = {
  'provider-added': 'Provider added. It can take a moment to appear while the catalog catches up.',
  'base-url-saved': 'Base URL saved.',
  'key-saved': 'Key stored. It is encrypted and will not be shown again.',
  'cost-added': 'Cost profile version added.',
  'price-added': 'Sell price version added.',
  'alias-saved': 'Routing saved.',
  'status-changed': 'Alias status changed.',
} as const;
type NoticeKey = keyof typeof NOTICES;

function noticeFor(done: unknown): string | undefined {
  return typeof done === 'string' && done in NOTICES ? NOTICES[done as NoticeKey] : undefined;
}

function describePrice(price: SellPrice): string {
  switch (price.kind) {
    case 'markup':
      return `${price.markupPercent} % markup on cost`;
    case 'per_million':
      return `${price.prices.inputPerMillion} in${
        price.prices.cachedInputPerMillion ? ` (${price.prices.cachedInputPerMillion} cached)` : ''
      } / ${price.prices.outputPerMillion} out per 1M tokens`;
    default: {
      const never: never = price;
      throw new Error(`unknown sell price ${JSON.stringify(never)}`);
    }
  }
}

type Form = Record<string, string>;

function formOf(body: unknown, names: readonly string[]): Form {
  return Object.fromEntries(names.map((n) => [n, textField(body, n)]));
}

/** Empty optional decimal fields are left out; anything typed is validated by the catalog. */
function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Providers, cost profiles and sell prices with their margins, aliases and their routing. Every write
 * goes through the gateway's admin service (the same one the admin JSON API uses), so the same checks
 * apply; a refused change re-renders the form with the message and changes nothing.
 */
/** Flags read to find each alias's newest (a bounded window of the flag history). */
const MARGIN_FLAGS_LISTED = 200;

interface MarginFlagView {
  alias: string;
  reason: string;
  at: string;
  lines: { deploymentId: string; marginPercent: string | null }[];
}

@Controller('admin')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AdminCatalogPagesController {
  private readonly reads: AdminCatalogReads;

  constructor(
    @Inject(PORTAL_POOL) pool: Pool,
    private readonly services: AdminServices,
  ) {
    this.reads = new AdminCatalogReads(pool);
  }

  // ── providers ─────────────────────────────────────────────────────────────

  @Get('providers')
  async providers(
    @CurrentUser() principal: PortalPrincipal,
    @Query('done') done: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderProviders(reply, 200, principal, { notice: noticeFor(done) }, {});
  }

  @Post('providers')
  async createProvider(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = formOf(request.body, ['name', 'baseUrl']);
    try {
      await this.services.gatewayAdmin().createProvider({
        name: requiredText(request.body, 'name', 'Name', 200),
        baseUrl: requiredText(request.body, 'baseUrl', 'Base URL'),
        apiKey: requiredText(request.body, 'apiKey', 'API key', 4096),
        actor: describeAdminActor(actor),
      });
      redirect(reply, '/admin/providers?done=provider-added');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderProviders(reply, status, principal, notices, form);
    }
  }

  @Post('providers/:providerId/base-url')
  async setBaseUrl(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('providerId') providerId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.requireProvider(providerId);
    try {
      await this.services.gatewayAdmin().updateProvider(providerId, {
        baseUrl: requiredText(request.body, 'baseUrl', 'Base URL'),
        actor: describeAdminActor(actor),
      });
      redirect(reply, '/admin/providers?done=base-url-saved');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderProviders(reply, status, principal, notices, {});
    }
  }

  /** Sets or rotates the upstream key; the page only ever says whether one is set. */
  @Post('providers/:providerId/key')
  async setKey(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('providerId') providerId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.requireProvider(providerId);
    try {
      await this.services
        .gatewayAdmin()
        .rotateProviderKey(
          providerId,
          requiredText(request.body, 'apiKey', 'API key', 4096),
          describeAdminActor(actor),
        );
      redirect(reply, '/admin/providers?done=key-saved');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderProviders(reply, status, principal, notices, {});
    }
  }

  // ── cost profiles and sell prices ─────────────────────────────────────────

  @Get('prices')
  async prices(
    @CurrentUser() principal: PortalPrincipal,
    @Query('done') done: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderPrices(reply, 200, principal, { notice: noticeFor(done) }, {}, {});
  }

  @Post('prices/cost-profiles')
  async addCostProfile(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = formOf(request.body, [
      'providerId',
      'upstreamModel',
      'inputPerMillion',
      'cachedInputPerMillion',
      'outputPerMillion',
    ]);
    try {
      await this.requireProvider(form.providerId, () => new FormError('Choose a provider.'));
      await this.services.gatewayAdmin().setCostProfile({
        providerId: form.providerId,
        upstreamModel: requiredText(request.body, 'upstreamModel', 'Upstream model', 200),
        inputPerMillion: requiredText(request.body, 'inputPerMillion', 'Input price', 40),
        cachedInputPerMillion: optional(form.cachedInputPerMillion),
        outputPerMillion: requiredText(request.body, 'outputPerMillion', 'Output price', 40),
        actor: describeAdminActor(actor),
      });
      redirect(reply, '/admin/prices?done=cost-added');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderPrices(reply, status, principal, notices, form, {});
    }
  }

  @Post('prices/sell-prices')
  async addSellPrice(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = formOf(request.body, [
      'alias',
      'kind',
      'markupPercent',
      'inputPerMillion',
      'cachedInputPerMillion',
      'outputPerMillion',
    ]);
    try {
      const alias = requiredText(request.body, 'alias', 'Alias', 200);
      let price:
        | { kind: 'markup'; markupPercent: string }
        | {
            kind: 'per_million';
            inputPerMillion: string;
            cachedInputPerMillion?: string;
            outputPerMillion: string;
          };
      if (form.kind === 'markup')
        price = {
          kind: 'markup',
          markupPercent: requiredText(request.body, 'markupPercent', 'Markup %', 40),
        };
      else if (form.kind === 'per_million')
        price = {
          kind: 'per_million',
          inputPerMillion: requiredText(request.body, 'inputPerMillion', 'Input price', 40),
          cachedInputPerMillion: optional(form.cachedInputPerMillion),
          outputPerMillion: requiredText(request.body, 'outputPerMillion', 'Output price', 40),
        };
      else throw new FormError('Choose a markup or fixed prices.');
      await this.services.gatewayAdmin().setSellPrice({ alias, price, actor: describeAdminActor(actor) });
      redirect(reply, '/admin/prices?done=price-added');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderPrices(reply, status, principal, notices, {}, form);
    }
  }

  // ── aliases and routing ───────────────────────────────────────────────────

  @Get('aliases')
  async aliases(
    @CurrentUser() principal: PortalPrincipal,
    @Query('done') done: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderAliases(reply, 200, principal, { notice: noticeFor(done) });
  }

  /** `new` opens an empty form; any other name must exist. */
  @Get('aliases/:name/edit')
  async editAlias(
    @CurrentUser() principal: PortalPrincipal,
    @Param('name') name: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (name === 'new') return this.renderAliasEdit(reply, 200, principal, {}, null, true);
    const alias = (await this.reads.aliases()).find((a) => a.name === name);
    if (!alias) throw new PortalNotFoundException();
    await this.renderAliasEdit(reply, 200, principal, {}, alias, false);
  }

  /** Creates or replaces an alias's routing table from the form's rows (empty model: row dropped). */
  @Post('aliases')
  async saveAlias(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const body = request.body;
    const name = textField(body, 'name');
    const exists = (await this.reads.aliases()).some((a) => a.name === name);
    const posted: AliasView = {
      name,
      policy: textField(body, 'policy') === 'cost' ? 'cost' : 'priority',
      defaultMaxOutputTokens: null,
      status: null,
      deployments: [],
    };
    for (let i = 0; i < MAX_DEPLOYMENT_ROWS; i++) {
      const upstreamModel = textField(body, `upstreamModel_${i}`);
      const providerId = textField(body, `providerId_${i}`);
      if (upstreamModel === '' && providerId === '') continue;
      posted.deployments.push({
        id: '',
        providerId,
        upstreamModel,
        priority: Number(textField(body, `priority_${i}`)) || 0,
        weight: Number(textField(body, `weight_${i}`)) || 0,
      });
    }
    try {
      if (!ALIAS_NAME.test(name))
        throw new FormError('Alias name: 1 to 200 letters, digits and . _ : / - only.');
      const maxText = textField(body, 'defaultMaxOutputTokens');
      posted.defaultMaxOutputTokens =
        maxText === '' ? null : intField(maxText, 'Default max output tokens', 1, 10_000_000);
      const deployments = [];
      for (let i = 0; i < MAX_DEPLOYMENT_ROWS; i++) {
        const upstreamModel = textField(body, `upstreamModel_${i}`);
        const providerId = textField(body, `providerId_${i}`);
        if (upstreamModel === '' && providerId === '') continue;
        const row = `Row ${i + 1}`;
        if (providerId === '') throw new FormError(`${row}: choose a provider.`);
        if (upstreamModel === '') throw new FormError(`${row}: enter the upstream model.`);
        deployments.push({
          providerId,
          upstreamModel,
          priority: intField(textField(body, `priority_${i}`), `${row}: priority`, 0, 1000, 0),
          weight: intField(textField(body, `weight_${i}`), `${row}: weight`, 0, 1_000_000, 1),
        });
      }
      if (deployments.length === 0) throw new FormError('Add at least one deployment.');
      await this.services.gatewayAdmin().upsertAlias({
        name,
        policy: posted.policy,
        defaultMaxOutputTokens: posted.defaultMaxOutputTokens,
        deployments,
        actor: describeAdminActor(actor),
      });
      redirect(reply, '/admin/aliases?done=alias-saved');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderAliasEdit(reply, status, principal, notices, posted, !exists);
    }
  }

  /**
   * Lifecycle: submit for review, open (the catalog checks the margin review of every deployment and
   * refuses a margin below its threshold unless an override reason is given), pause, retire.
   */
  @Post('aliases/:name/status')
  async changeStatus(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('name') name: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await this.reads.aliases()).some((a) => a.name === name)) throw new PortalNotFoundException();
    try {
      const to = textField(request.body, 'to');
      if (!isAliasStatus(to)) throw new FormError('Choose a status to move the alias to.');
      const reason = requiredText(request.body, 'reason', 'Reason');
      const overrideReason = textField(request.body, 'overrideReason');
      await this.services.gatewayAdmin().changeAliasStatus(name, {
        to,
        reason,
        overrideReason: overrideReason === '' ? null : overrideReason.slice(0, 500),
        actor: describeAdminActor(actor),
      });
      redirect(reply, '/admin/aliases?done=status-changed');
    } catch (err) {
      const [status, notices] = this.failure(err);
      await this.renderAliases(reply, status, principal, notices);
    }
  }

  // ── rendering ─────────────────────────────────────────────────────────────

  /** A write refused with a message the admin can act on → [status, notices]; anything else is ours. */
  private failure(err: unknown): [number, AdminNotices] {
    const text = adminErrorText(err);
    if (text === null) throw err;
    return [adminErrorStatus(err), { error: text }];
  }

  private async requireProvider(
    providerId: string,
    notFound: () => Error = () => new PortalNotFoundException(),
  ) {
    const provider = await this.reads.provider(providerId);
    if (!provider) throw notFound();
    return provider;
  }

  private async renderProviders(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
    form: Form,
  ): Promise<void> {
    const providers = await this.reads.providers();
    sendAdminPage(
      reply,
      status,
      'providers',
      {
        ...notices,
        providers: providers.map((p) => ({ ...p, updatedAt: utc(p.updatedAt) })),
        form,
      },
      principal,
    );
  }

  private async renderPrices(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
    costForm: Form,
    priceForm: Form,
  ): Promise<void> {
    const now = Date.now();
    const [providers, costs, prices, margins, aliases] = await Promise.all([
      this.reads.providers(),
      this.reads.costProfiles(),
      this.reads.sellPrices(),
      this.reads.margins(new Date(now)),
      this.reads.aliases(),
    ]);
    const names = providerNames(providers);
    const inForce = new Set<string>();
    for (const c of costs) {
      const key = `${c.providerId}\u0000${c.upstreamModel}`;
      const versions = costs
        .filter((x) => `${x.providerId}\u0000${x.upstreamModel}` === key)
        .map((x) => ({ version: x.version, effectiveAtMs: x.effectiveAt.getTime(), value: null }));
      const current = versionAt(versions, now);
      if (current?.version === c.version) inForce.add(`cost\u0000${key}\u0000${c.version}`);
    }
    for (const p of prices) {
      const versions = prices
        .filter((x) => x.alias === p.alias)
        .map((x) => ({ version: x.version, effectiveAtMs: x.effectiveAt.getTime(), value: null }));
      if (versionAt(versions, now)?.version === p.version)
        inForce.add(`price\u0000${p.alias}\u0000${p.version}`);
    }
    sendAdminPage(
      reply,
      status,
      'prices',
      {
        ...notices,
        referenceMix: REFERENCE_MIX_TEXT,
        providers,
        aliasNames: aliases.map((a) => a.name),
        margins: margins.map((m) => ({ ...m, providerName: names.get(m.providerId) ?? m.providerId })),
        costs: costs.map((c) => ({
          ...c,
          providerName: names.get(c.providerId) ?? c.providerId,
          effectiveAt: utc(c.effectiveAt),
          current: inForce.has(`cost\u0000${c.providerId}\u0000${c.upstreamModel}\u0000${c.version}`),
        })),
        prices: prices.map((p) => ({
          alias: p.alias,
          version: p.version,
          effectiveAt: utc(p.effectiveAt),
          describe: describePrice(p.price),
          current: inForce.has(`price\u0000${p.alias}\u0000${p.version}`),
        })),
        costForm,
        priceForm: { kind: 'markup', ...priceForm },
      },
      principal,
    );
  }

  /**
   * The newest margin flag of each alias: a change of cost, price, routing or a correction left it
   * below the threshold (and paused it when configured). None where the gateway catalog is not beside
   * the portal.
   */
  private async latestMarginFlags(): Promise<MarginFlagView[]> {
    let entries: Awaited<ReturnType<GatewayAdmin['marginFlags']>>;
    try {
      entries = await this.services.gatewayAdmin().marginFlags(MARGIN_FLAGS_LISTED);
    } catch {
      return [];
    }
    const latest = new Map<string, MarginFlagView>();
    for (const e of entries) {
      if (latest.has(e.alias)) continue;
      const review = (e.review ?? {}) as { lines?: { deploymentId: string; marginPercent: string | null }[] };
      latest.set(e.alias, {
        alias: e.alias,
        reason: e.reason,
        at: new Date(e.at).toISOString(),
        lines: (review.lines ?? []).map((l) => ({
          deploymentId: l.deploymentId,
          marginPercent: l.marginPercent,
        })),
      });
    }
    return [...latest.values()];
  }

  private async renderAliases(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
  ): Promise<void> {
    const [aliases, providers, margins, flags] = await Promise.all([
      this.reads.aliases(),
      this.reads.providers(),
      this.reads.margins(),
      this.latestMarginFlags(),
    ]);
    const names = providerNames(providers);
    sendAdminPage(
      reply,
      status,
      'aliases',
      {
        ...notices,
        flags,
        aliases: aliases.map((al) => ({
          ...al,
          transitions: al.status ? transitionsFrom(al.status) : [],
          deployments: al.deployments.map((d) => ({
            ...d,
            providerName: names.get(d.providerId) ?? d.providerId,
            margin: margins.find((m) => m.alias === al.name && m.deploymentId === d.id)?.margin ?? null,
          })),
        })),
      },
      principal,
    );
  }

  private async renderAliasEdit(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
    alias: AliasView | null,
    isNew: boolean,
  ): Promise<void> {
    const providers = await this.reads.providers();
    const existing = alias?.deployments ?? [];
    const count = Math.min(MAX_DEPLOYMENT_ROWS, existing.length + BLANK_DEPLOYMENT_ROWS);
    const rows = Array.from({ length: count }, (_, index) => {
      const d = existing[index];
      return {
        index,
        number: index + 1,
        providerId: d?.providerId ?? '',
        upstreamModel: d?.upstreamModel ?? '',
        priority: d ? String(d.priority) : '',
        weight: d ? String(d.weight) : '',
      };
    });
    sendAdminPage(
      reply,
      status,
      'alias-edit',
      {
        ...notices,
        isNew,
        alias: alias ?? { name: '', policy: 'priority', defaultMaxOutputTokens: null },
        providers,
        rows,
      },
      principal,
    );
  }
}

function isAliasStatus(value: string): value is AliasStatus {
  return (ALIAS_STATUSES as readonly string[]).includes(value);
}

const TRANSITION_LABELS: Record<AliasStatus, string> = {
  draft: 'Back to draft',
  in_review: 'Submit for review',
  open: 'Open to traffic',
  paused: 'Pause',
  retired: 'Retire',
};

/** The status changes the catalog allows from `status` (a draft opens through review in one step). */
function transitionsFrom(status: string): { to: AliasStatus; label: string; opens: boolean }[] {
  if (!isAliasStatus(status)) return [];
  const next = [...ALIAS_TRANSITIONS[status]];
  if (status === 'draft') next.splice(1, 0, 'open');
  return next.map((to) => ({ to, label: TRANSITION_LABELS[to], opens: to === 'open' }));
}

function providerNames(providers: readonly ProviderView[]): Map<string, string> {
  return new Map(providers.map((p) => [p.id, p.name]));
}
