import { Controller, Get, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { createWorkspaceWithOwner, IdentityError, listWorkspaces, randomPassword } from '@tollgate/identity';
import { listInvoices, type InvoiceListItem } from '@tollgate/invoicing';
import { formatCredits, formatMoneyWithCurrency, money } from '@tollgate/money';
import { sendAdminPage } from '../admin/admin-renderer';
import { CurrentUser } from '../identity/decorators';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal } from '../identity/principal';
import { formField, identityErrorText } from './form';
import { PortalPageExceptionFilter } from './page-exception.filter';

const ADMIN_WORKSPACES_LISTED = 100;
const ADMIN_INVOICES_LISTED = 100;

/** The operator's admin workspace home: every workspace with its balance, onboarding, invoices. */
@Controller('admin')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AdminPagesController {
  constructor(@Inject(PORTAL_POOL) private readonly pool: Pool) {}

  @Get()
  async admin(@CurrentUser() principal: PortalPrincipal, @Res() reply: FastifyReply): Promise<void> {
    await this.render(reply, 200, principal, {});
  }

  /** Onboards a customer: a workspace and its owner (new owners get an initial password, shown once). */
  @Post('workspaces')
  async createWorkspace(
    @CurrentUser() principal: PortalPrincipal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const password = randomPassword();
    try {
      const created = await createWorkspaceWithOwner(this.pool, {
        workspaceName: formField(request.body, 'name'),
        ownerEmail: formField(request.body, 'ownerEmail'),
        ownerPassword: password,
      });
      await this.render(reply, 201, principal, {
        notice: `Workspace ${created.workspace.name} created, owned by ${created.owner.email}.`,
        initialPassword: created.ownerCreated ? { email: created.owner.email, password } : undefined,
      });
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      await this.render(reply, 400, principal, { error: identityErrorText(err) });
    }
  }

  private async render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: { error?: string; notice?: string; initialPassword?: { email: string; password: string } },
  ): Promise<void> {
    const workspaces = await listWorkspaces(this.pool, { limit: ADMIN_WORKSPACES_LISTED });
    const balances = await this.balances(workspaces.map((w) => w.id));
    const invoices = (await this.invoicesIfAvailable()).map((i) => ({
      invoiceId: i.invoiceId,
      number: i.number,
      workspaceId: i.workspaceId,
      buyerName: i.buyerName,
      issueDate: i.issueDate,
      status: i.status,
      gross: formatMoneyWithCurrency(money(i.grossMinor, i.currency)),
      credited: i.creditedMinor > 0n ? formatMoneyWithCurrency(money(i.creditedMinor, i.currency)) : null,
    }));
    sendAdminPage(
      reply,
      status,
      'overview',
      {
        ...notices,
        workspaces: workspaces.map((w) => {
          const b = balances.get(w.id);
          return {
            ...w,
            available: b ? formatCredits(b.available) : '—',
            posted: b ? formatCredits(b.posted) : '—',
          };
        }),
        invoices,
      },
      principal,
    );
  }

  /**
   * Balances of these accounts (a workspace's account id is its id); none before the first event, and
   * none when the ledger's read models are not in this database (the portal running alone).
   */
  private async balances(ids: string[]): Promise<Map<string, { available: bigint; posted: bigint }>> {
    try {
      const { rows } = await this.pool.query<{ account_id: string; available: string; posted: string }>(
        `SELECT account_id, available_nanocredits::text AS available, posted_nanocredits::text AS posted
           FROM balances WHERE account_id = ANY($1::text[])`,
        [ids],
      );
      return new Map(
        rows.map((r) => [r.account_id, { available: BigInt(r.available), posted: BigInt(r.posted) }]),
      );
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return new Map();
      throw err;
    }
  }

  /** Every workspace's finalized invoices; none when invoicing does not run against this database. */
  private async invoicesIfAvailable(): Promise<InvoiceListItem[]> {
    try {
      return await listInvoices(this.pool, { kind: 'admin' }, { limit: ADMIN_INVOICES_LISTED });
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return [];
      throw err;
    }
  }
}
