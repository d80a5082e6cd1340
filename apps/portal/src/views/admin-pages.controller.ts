import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createWorkspaceWithOwner, IdentityError, randomPassword } from '@tollgate/identity';
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
const MAX_PAGE = 1000;

const WorkspaceSearchSchema = z.object({
  q: z.preprocess((v) => (v === undefined ? '' : v), z.string().trim().max(200)),
  page: z.preprocess(
    (v) => (v === undefined || v === '' ? 1 : v),
    z.coerce.number().int().min(1).max(MAX_PAGE),
  ),
});
type WorkspaceSearch = z.infer<typeof WorkspaceSearchSchema>;
const ADMIN_INVOICES_LISTED = 100;

/** The operator's admin workspace home: every workspace with its balance, onboarding, invoices. */
@Controller('admin')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AdminPagesController {
  constructor(@Inject(PORTAL_POOL) private readonly pool: Pool) {}

  /** `q` finds workspaces by name, id or a member's email; `page` pages through them, newest first. */
  @Get()
  async admin(
    @CurrentUser() principal: PortalPrincipal,
    @Query('q') q: unknown,
    @Query('page') page: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const search = WorkspaceSearchSchema.safeParse({ q, page });
    if (!search.success)
      return this.render(reply, 400, principal, {
        error: 'Search for at most 200 characters, pages 1 to 1000.',
      });
    await this.render(reply, 200, principal, {}, search.data);
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
    search: WorkspaceSearch = { q: '', page: 1 },
  ): Promise<void> {
    const found = await this.findWorkspaces(search);
    const workspaces = found.slice(0, ADMIN_WORKSPACES_LISTED);
    const more = found.length > ADMIN_WORKSPACES_LISTED;
    const pageHref = (n: number) =>
      `/admin?${new URLSearchParams({ ...(search.q ? { q: search.q } : {}), page: String(n) }).toString()}`;
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
        search: {
          q: search.q,
          page: search.page,
          prevHref: search.page > 1 ? pageHref(search.page - 1) : null,
          nextHref: more ? pageHref(search.page + 1) : null,
        },
      },
      principal,
    );
  }

  /** One page of workspaces plus one row (to know if there is a next page), with member counts. */
  private async findWorkspaces(
    search: WorkspaceSearch,
  ): Promise<{ id: string; name: string; createdAt: Date; memberCount: number }[]> {
    // The text is matched literally: LIKE's wildcards in it are escaped.
    const pattern = `%${search.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date; members: string }>(
      `SELECT w.id, w.name, w.created_at,
              (SELECT count(*) FROM workspace_members m WHERE m.workspace_id = w.id) AS members
         FROM workspaces w
        WHERE $1 = '' OR w.name ILIKE $2 OR w.id::text = lower($1)
           OR EXISTS (SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id
                       WHERE m.workspace_id = w.id AND u.email ILIKE $2)
        ORDER BY w.created_at DESC, w.id
        LIMIT $3 OFFSET $4`,
      [search.q, pattern, ADMIN_WORKSPACES_LISTED + 1, (search.page - 1) * ADMIN_WORKSPACES_LISTED],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
      memberCount: Number(r.members),
    }));
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
