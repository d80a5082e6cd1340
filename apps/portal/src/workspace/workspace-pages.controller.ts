import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import {
  listInvoices,
  statementFromReadModel,
  writeStatementCsv,
  type InvoiceDownloads,
  type InvoiceListItem,
} from '@tollgate/invoicing';
import { formatCredits, formatCreditsTrimmed, formatMoney } from '@tollgate/money';
import { listOrders, type BillingProfile, type PaymentsService } from '@tollgate/payments';
import { INVOICE_DOWNLOADS } from '../../../cli/src/invoicing/invoicing.module';
import { lowBalanceBanner } from '../alerts/alerts.service';
import { GatewayAdmin, type ApiKeyListing } from '../../../gateway/src/catalog/gateway-admin';
import { CurrentUser, CurrentWorkspace } from '../identity/decorators';
import { WorkspaceMemberGuard, WorkspaceRoles } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal, WorkspaceAccess } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { PAYMENTS_SERVICE } from '../payments/payments.tokens';
import { formField } from '../views/form';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { parseQuery, RequestLogQuerySchema, statementPeriod, type RequestLogFilter } from './query-schemas';
import { buildSpendChart, chartDays } from './spend-chart';
import { renderWorkspacePage, type WorkspaceSection } from './workspace-renderer';
import { SPEND_CHART_DAYS, STATEMENT_PAGE_LINES, WorkspaceReadService } from './workspace-read.service';

const ORDERS_SHOWN = 50;
const KeyIdSchema = z.string().regex(/^key_[0-9a-f-]{36}$/);
const PackageIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const IdempotencyKeySchema = z.uuid();
const positiveInt = z.coerce.number().int().positive().max(1_000_000_000);

class ServiceUnavailablePage extends HttpException {
  constructor(what: string) {
    super({ statusCode: 503, code: 'NOT_CONFIGURED', message: `${what} is not available here.` }, 503);
  }
}

function iso(d: Date | string | null): string {
  if (d === null) return '';
  const t = d instanceof Date ? d.toISOString() : d;
  return t.slice(0, 19).replace('T', ' ');
}

function money(minor: string, currency: string): string {
  return `${formatMoney({ amountMinor: BigInt(minor), currency })} ${currency}`;
}

function domainErrorText(err: DomainError): string {
  const issues = (err.details as { issues?: unknown }).issues;
  return Array.isArray(issues) && issues.length > 0 ? `${err.message}: ${issues.join('; ')}` : err.message;
}

/** Status of a domain error shown on a page: unknown things 404, conflicts 409, the rest 400. */
function domainErrorStatus(err: DomainError): number {
  if (err.code.endsWith('NOT_FOUND')) return 404;
  if (err.code === 'PROVIDER_ERROR' || err.code === 'PROVIDER_UNAVAILABLE') return 502;
  if (err.code.startsWith('ORDER_NOT') || err.code.includes('CONFLICT')) return 409;
  return 400;
}

/**
 * The customer workspace's data pages. Every route sits behind WorkspaceMemberGuard (non-members get
 * 404) and reads only the guard's workspace, whose id is also its ledger account id.
 */
@Controller('w/:workspaceId')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(WorkspaceMemberGuard)
export class WorkspacePagesController {
  constructor(
    private readonly reads: WorkspaceReadService,
    private readonly moduleRef: ModuleRef,
    @Inject(PORTAL_POOL) private readonly pool: Pool,
  ) {}

  // The gateway and payments modules live beside the portal in the all-in-one app; the portal alone
  // (tests, a portal-only deployment) runs without them and these pages answer 503.
  private gatewayAdmin(): GatewayAdmin {
    try {
      return this.moduleRef.get(GatewayAdmin, { strict: false });
    } catch {
      throw new ServiceUnavailablePage('Key management');
    }
  }

  private payments(): PaymentsService {
    try {
      return this.moduleRef.get<PaymentsService>(PAYMENTS_SERVICE, { strict: false });
    } catch {
      throw new ServiceUnavailablePage('Billing');
    }
  }

  private invoiceDownloads(): InvoiceDownloads {
    try {
      return this.moduleRef.get<InvoiceDownloads>(INVOICE_DOWNLOADS, { strict: false });
    } catch {
      throw new ServiceUnavailablePage('Invoice download');
    }
  }

  /** Finalized invoices of the workspace; none when invoicing does not run in this process's database. */
  private async invoicesIfAvailable(workspaceId: string): Promise<InvoiceListItem[]> {
    try {
      return await listInvoices(this.pool, { kind: 'workspace', workspaceId }, { limit: ORDERS_SHOWN });
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return [];
      throw err;
    }
  }

  private send(
    reply: FastifyReply,
    status: number,
    section: WorkspaceSection,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    data: object,
  ): void {
    const ws = { id: access.workspace.id, name: access.workspace.name };
    sendHtml(reply, status, renderWorkspacePage(section, { ...data, ws }, principal));
  }

  // ── dashboard ────────────────────────────────────────────────────────────

  @Get('dashboard')
  async dashboard(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const accountId = access.workspace.id;
    const days = chartDays(new Date(), SPEND_CHART_DAYS);
    const [balance, spend, lowBalance] = await Promise.all([
      this.reads.balance(accountId),
      this.reads.dailySpend(accountId, days[0]),
      lowBalanceBanner(this.pool, accountId),
    ]);
    this.send(reply, 200, 'dashboard', principal, access, {
      balance: {
        available: formatCredits(balance.availableNanocredits),
        leased: formatCredits(balance.leasedNanocredits),
        posted: formatCredits(balance.postedNanocredits),
        overdraft:
          balance.overdraftLimitNanocredits > 0n
            ? formatCreditsTrimmed(balance.overdraftLimitNanocredits)
            : '',
      },
      chart: buildSpendChart(spend, days),
      chartDays: SPEND_CHART_DAYS,
      lowBalance: lowBalance && { threshold: formatCreditsTrimmed(lowBalance.thresholdNanocredits) },
    });
  }

  // ── request log ──────────────────────────────────────────────────────────

  @Get('requests')
  async requests(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter = parseQuery(RequestLogQuerySchema, query);
    const accountId = access.workspace.id;
    const [log, facets, keys] = await Promise.all([
      this.reads.requestLog(accountId, filter),
      this.reads.requestFacets(accountId),
      this.keysIfAvailable(accountId),
    ]);
    const keyNames = new Map(keys.map((k) => [k.id, k.name]));
    const providers = await this.reads.providerNames(
      log.rows.flatMap((r) => (r.provider ? [r.provider] : [])),
    );
    const base = `/w/${accountId}/requests`;
    const href = (page: number) => `${base}?${pageQuery(filter, page)}`;
    this.send(reply, 200, 'requests', principal, access, {
      filter,
      facets,
      keys: keys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, selected: k.id === filter.key })),
      statuses: facets.statuses.map((s) => ({ value: s, selected: s === filter.status })),
      rows: log.rows.map((r) => ({
        time: iso(r.occurredAt),
        model: r.model ?? '',
        alias: r.alias && r.alias !== r.model ? r.alias : '',
        provider: r.provider ? (providers.get(r.provider) ?? r.provider) : '',
        keyName: r.apiKeyId ? (keyNames.get(r.apiKeyId) ?? r.apiKeyId) : '',
        promptTokens: r.promptTokens.toString(),
        completionTokens: r.completionTokens.toString(),
        estimated: r.estimated,
        status: r.status,
        price: formatCredits(r.priceNanocredits),
        impact: formatCredits(r.balanceImpactNanocredits),
        requestId: r.requestId,
      })),
      prevHref: filter.page > 1 ? href(filter.page - 1) : '',
      nextHref: log.hasMore ? href(filter.page + 1) : '',
    });
  }

  private async keysIfAvailable(workspaceId: string): Promise<ApiKeyListing[]> {
    try {
      return await this.gatewayAdmin().listApiKeys(workspaceId);
    } catch (err) {
      if (err instanceof ServiceUnavailablePage) return [];
      throw err;
    }
  }

  // ── API keys ─────────────────────────────────────────────────────────────

  @Get('keys')
  async keys(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderKeys(reply, 200, principal, access, {});
  }

  /** The secret is rendered in this response only (no redirect), so it is never shown again. */
  @Post('keys')
  @WorkspaceRoles('owner', 'member')
  async createKey(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const body = request.body;
    const form = {
      name: formField(body, 'name').trim(),
      allowedModels: formField(body, 'allowedModels').trim(),
      spendLimitCredits: formField(body, 'spendLimitCredits').trim(),
      requestsPerMinute: formField(body, 'requestsPerMinute').trim(),
      tokensPerMinute: formField(body, 'tokensPerMinute').trim(),
    };
    const fail = (error: string) => this.renderKeys(reply, 400, principal, access, { error, form });
    if (!form.name) return fail('Give the key a name.');
    const limits: { requestsPerMinute: number | null; tokensPerMinute: number | null } = {
      requestsPerMinute: null,
      tokensPerMinute: null,
    };
    for (const field of ['requestsPerMinute', 'tokensPerMinute'] as const) {
      if (!form[field]) continue;
      const parsed = positiveInt.safeParse(form[field]);
      if (!parsed.success)
        return fail(
          `${field === 'requestsPerMinute' ? 'Requests' : 'Tokens'} per minute must be a whole number above 0.`,
        );
      limits[field] = parsed.data;
    }
    const models = form.allowedModels
      ? form.allowedModels
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m.length > 0)
      : null;
    try {
      const created = await this.gatewayAdmin().createApiKey({
        workspaceId: access.workspace.id,
        accountId: access.workspace.id,
        name: form.name,
        allowedModels: models && models.length > 0 ? models : null,
        spendLimitCredits: form.spendLimitCredits || null,
        ...limits,
        actor: `user:${principal.user.id}`,
      });
      await this.renderKeys(reply, 201, principal, access, {
        created: { name: form.name, secret: created.secret },
      });
    } catch (err) {
      if (err instanceof DomainError) return fail(domainErrorText(err));
      // parseCredits throws a plain error for text that is not an amount.
      if (err instanceof Error && form.spendLimitCredits && /credit amount/i.test(err.message))
        return fail('The spend limit must be an amount of credits, like 25 or 12.5.');
      throw err;
    }
  }

  @Post('keys/:keyId/revoke')
  @WorkspaceRoles('owner', 'member')
  async revokeKey(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Param('keyId') keyId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = KeyIdSchema.safeParse(keyId);
    if (!id.success) throw new HttpException({ statusCode: 404, message: 'Not found.' }, 404);
    try {
      await this.gatewayAdmin().revokeApiKey(access.workspace.id, id.data, `user:${principal.user.id}`);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND')
        throw new HttpException({ statusCode: 404, message: 'Not found.' }, 404);
      throw err;
    }
    redirect(reply, `/w/${access.workspace.id}/keys?revoked=1`);
  }

  private async renderKeys(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    extra: { error?: string; form?: object; created?: { name: string; secret: string } },
  ): Promise<void> {
    const keys = await this.gatewayAdmin().listApiKeys(access.workspace.id);
    const notice =
      reply.request.query && (reply.request.query as Record<string, unknown>).revoked === '1'
        ? 'Key revoked. Requests with it are refused from now on.'
        : undefined;
    this.send(reply, status, 'keys', principal, access, {
      notice,
      ...extra,
      canManage: access.role === 'owner' || access.role === 'member',
      exampleModel: keys.find((k) => k.allowedModels?.length)?.allowedModels?.[0] ?? '',
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        models: k.allowedModels && k.allowedModels.length > 0 ? k.allowedModels.join(', ') : 'all',
        limit: k.spendLimitNanocredits === null ? 'no limit' : formatCreditsTrimmed(k.spendLimitNanocredits),
        spent: formatCreditsTrimmed(k.spentNanocredits),
        rates:
          [
            k.requestsPerMinute ? `${k.requestsPerMinute} req/min` : '',
            k.tokensPerMinute ? `${k.tokensPerMinute} tok/min` : '',
          ]
            .filter(Boolean)
            .join(', ') || 'none',
        created: iso(k.createdAt),
        revoked: k.revokedAt ? iso(k.revokedAt) : '',
      })),
    });
  }

  // ── billing ──────────────────────────────────────────────────────────────

  @Get('billing')
  async billing(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Query('checkout') checkout: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const notice =
      checkout === 'success'
        ? 'Payment received by the provider. Credits appear as soon as its confirmation arrives.'
        : checkout === 'cancelled'
          ? 'Checkout cancelled; nothing was charged.'
          : undefined;
    await this.renderBilling(reply, 200, principal, access, { notice });
  }

  /** "Buy": creates the order (idempotent per rendered form) and opens the provider's hosted page. */
  @Post('billing/buy')
  @WorkspaceRoles('owner', 'billing')
  async buy(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const packageId = PackageIdSchema.safeParse(formField(request.body, 'packageId'));
    const key = IdempotencyKeySchema.safeParse(formField(request.body, 'idempotencyKey'));
    if (!packageId.success || !key.success)
      return this.renderBilling(reply, 400, principal, access, {
        error: 'That form is out of date. Reload the page and try again.',
      });
    const payments = this.payments();
    const workspaceId = access.workspace.id;
    const order = await payments.createOrder({
      workspaceId,
      packageId: packageId.data,
      idempotencyKey: `portal-${key.data}`,
      actor: `user:${principal.user.id}`,
    });
    if (order instanceof DomainError)
      return this.renderBilling(reply, domainErrorStatus(order), principal, access, {
        error: domainErrorText(order),
      });
    if (order.provider === 'manual')
      return redirect(reply, `/w/${workspaceId}/billing?ordered=${encodeURIComponent(order.orderId)}`);
    const session = await payments.openCheckout(workspaceId, order.orderId);
    if (session instanceof DomainError)
      return this.renderBilling(reply, domainErrorStatus(session), principal, access, {
        error: domainErrorText(session),
      });
    reply.code(303).header('location', session.url).header('cache-control', 'no-store').send();
  }

  @Post('billing/profile')
  @WorkspaceRoles('owner', 'billing')
  async saveProfile(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const b = request.body;
    const field = (n: string) => formField(b, n).trim();
    const form = {
      legalName: field('legalName'),
      address1: field('address1'),
      address2: field('address2'),
      postalCode: field('postalCode'),
      city: field('city'),
      region: field('region'),
      country: field('country'),
      vatId: field('vatId'),
      invoiceEmail: field('invoiceEmail'),
    };
    const saved = await this.payments().saveBillingProfile(
      access.workspace.id,
      {
        legalName: form.legalName,
        addressLines: [form.address1, form.address2].filter((l) => l.length > 0),
        postalCode: form.postalCode,
        city: form.city,
        country: form.country,
        region: form.region || undefined,
        vatId: form.vatId || undefined,
        invoiceEmail: form.invoiceEmail,
      },
      `user:${principal.user.id}`,
    );
    if (saved instanceof DomainError)
      return this.renderBilling(reply, 400, principal, access, {
        error: domainErrorText(saved),
        profileForm: form,
      });
    redirect(reply, `/w/${access.workspace.id}/billing?saved=profile`);
  }

  private async renderBilling(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    extra: { error?: string; notice?: string; profileForm?: object },
  ): Promise<void> {
    const payments = this.payments();
    const workspaceId = access.workspace.id;
    const query = (reply.request.query ?? {}) as Record<string, unknown>;
    const notice =
      extra.notice ??
      (query.saved === 'profile'
        ? 'Billing profile saved.'
        : typeof query.ordered === 'string'
          ? 'Order created. It is credited once the payment is approved.'
          : undefined);
    const [packages, profile, orders, invoices] = await Promise.all([
      payments.listPackages({ activeOnly: true }),
      payments.getBillingProfile(workspaceId),
      listOrders(this.pool, { workspaceId, limit: ORDERS_SHOWN }),
      this.invoicesIfAvailable(workspaceId),
    ]);
    let refundPolicy = '';
    const packageViews = await Promise.all(
      packages.map(async (p) => {
        const view = {
          packageId: p.packageId,
          name: p.name,
          description: p.description,
          credits: formatCreditsTrimmed(BigInt(p.creditsNanocredits) + BigInt(p.bonusNanocredits)),
          bonus: p.bonusNanocredits !== '0' ? formatCreditsTrimmed(BigInt(p.bonusNanocredits)) : '',
          price: money(p.priceMinor, p.currency),
          inclusive: p.taxMode === 'inclusive',
          manual: p.settlement === 'manual',
          // A fresh key per rendered form: a double submit finds the same order.
          idempotencyKey: randomUUID(),
          quote: null as null | Record<string, string>,
          quoteError: '',
        };
        if (!profile) return view;
        const q = await payments.quote(workspaceId, p.packageId);
        if (q instanceof DomainError) {
          view.quoteError = domainErrorText(q);
          return view;
        }
        refundPolicy = q.refundPolicyText;
        view.quote = {
          net: money(q.tax.netMinor, q.tax.currency),
          tax: money(q.tax.taxMinor, q.tax.currency),
          gross: money(q.tax.grossMinor, q.tax.currency),
          rate: q.tax.taxMinor !== '0' ? q.tax.ratePercent : '',
          taxType: q.tax.taxType,
          note: q.tax.note ?? '',
        };
        return view;
      }),
    );
    this.send(reply, status, 'billing', principal, access, {
      ...extra,
      notice,
      canBuy: access.role === 'owner' || access.role === 'billing',
      packages: packageViews,
      refundPolicy,
      profile: profile?.profile ?? null,
      profileForm: extra.profileForm ?? profileFormOf(profile?.profile ?? null),
      orders: orders.map((o) => ({
        orderId: o.orderId,
        created: iso(o.createdAt),
        packageName: o.packageName,
        credits: formatCreditsTrimmed(BigInt(o.creditsNanocredits)),
        gross: money(o.grossMinor, o.currency),
        status: o.status,
      })),
      invoices: invoices.map((i) => ({
        invoiceId: i.invoiceId,
        number: i.number ?? '',
        issueDate: i.issueDate ?? '',
        gross: money(i.grossMinor.toString(), i.currency),
        status:
          i.creditedMinor > 0n
            ? `${i.status}, credited ${money(i.creditedMinor.toString(), i.currency)}`
            : i.status,
      })),
    });
  }

  /** A finalized invoice of this workspace as PDF; anything else (another tenant's, a draft) is 404. */
  @Get('invoices/:invoiceId/pdf')
  async invoicePdf(
    @CurrentWorkspace() access: WorkspaceAccess,
    @Param('invoiceId') invoiceId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pdf = await this.invoiceDownloads().invoicePdf(
      { kind: 'workspace', workspaceId: access.workspace.id },
      invoiceId,
    );
    if (!pdf) throw new HttpException({ statusCode: 404, message: 'Not found.' }, 404);
    reply
      .code(200)
      .header('content-type', pdf.contentType)
      .header('content-disposition', `attachment; filename="${pdf.filename}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(pdf.body);
  }

  // ── statement ────────────────────────────────────────────────────────────

  @Get('statement')
  async statement(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const period = statementPeriod(query, new Date());
    const s = await this.reads.statement(access.workspace.id, period);
    const closing =
      s.lines.length > 0 ? s.lines[s.lines.length - 1].balanceAfterNanocredits : s.openingNanocredits;
    this.send(reply, 200, 'statement', principal, access, {
      period,
      csvHref: `/w/${access.workspace.id}/statement.csv?from=${period.from}&to=${period.to}`,
      opening: formatCredits(s.openingNanocredits),
      closing: formatCredits(closing),
      truncated: s.truncated,
      pageLines: STATEMENT_PAGE_LINES,
      lines: s.lines.map((l) => ({
        time: iso(l.occurredAt),
        type: l.entryType,
        description: l.description,
        reference: l.reference,
        in: l.amountNanocredits >= 0n ? formatCredits(l.amountNanocredits) : '',
        out: l.amountNanocredits < 0n ? formatCredits(-l.amountNanocredits) : '',
        balance: formatCredits(l.balanceAfterNanocredits),
      })),
    });
  }

  /** The statement as an RFC 4180 CSV: invoicing's writer over the statement_lines read model, streamed. */
  @Get('statement.csv')
  async csv(
    @CurrentWorkspace() access: WorkspaceAccess,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const period = statementPeriod(query, new Date());
    const accountId = access.workspace.id;
    const source = await statementFromReadModel(this.pool, accountId, period.start, period.end);
    const out = new PassThrough();
    reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header('content-disposition', `attachment; filename="statement-${period.from}-to-${period.to}.csv"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
    void reply.send(out);
    try {
      await writeStatementCsv(
        {
          accountId,
          periodStart: period.start,
          periodEnd: period.end,
          openingBalanceNanocredits: source.openingBalanceNanocredits,
          lines: source.lines,
        },
        out,
      );
      out.end();
    } catch (err) {
      // Headers are gone already: cut the body, so the client sees an incomplete download, not a short file.
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function pageQuery(filter: RequestLogFilter, page: number): string {
  const q = new URLSearchParams();
  for (const k of ['key', 'model', 'status', 'from', 'to'] as const) {
    const v = filter[k];
    if (v) q.set(k, v);
  }
  if (filter.perPage !== 50) q.set('perPage', String(filter.perPage));
  q.set('page', String(page));
  return q.toString();
}

function profileFormOf(p: BillingProfile | null): Record<string, string> {
  if (!p) return {};
  return {
    legalName: p.legalName,
    address1: p.addressLines[0] ?? '',
    address2: p.addressLines.slice(1).join(', '),
    postalCode: p.postalCode,
    city: p.city,
    region: p.region ?? '',
    country: p.country,
    vatId: p.vatId ?? '',
    invoiceEmail: p.invoiceEmail,
  };
}
