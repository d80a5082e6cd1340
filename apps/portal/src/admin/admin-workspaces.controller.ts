import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { isUuid, listWorkspaceMembers, type Workspace } from '@tollgate/identity';
import { GrantCreditsCommand } from '@tollgate/ledger-nest';
import { formatCredits } from '@tollgate/money';
import { CurrentAdmin, CurrentUser } from '../identity/decorators';
import { PortalNotFoundException } from '../identity/errors';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import { describeAdminActor, type AdminActor, type PortalPrincipal } from '../identity/principal';
import { redirect } from '../layout/html-response';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { WorkspaceReadService } from '../workspace/workspace-read.service';
import {
  adminErrorStatus,
  adminErrorText,
  positiveCredits,
  requiredText,
  textField,
  utc,
} from './admin-forms';
import { sendAdminPage, type AdminNotices } from './admin-renderer';
import { AdminServices, AdminServiceUnavailable } from './admin-services';

const RECENT_REQUESTS = 20;
const GrantIdSchema = z.uuid();
const GrantKindSchema = z.enum(['manual', 'promotional']);

interface GrantForm {
  credits?: string;
  reason?: string;
  kind?: string;
}

/** One workspace as the operator sees it: balance, members, keys, recent requests, and credit grants. */
@Controller('admin/workspaces/:workspaceId')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AdminWorkspacesController {
  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    private readonly reads: WorkspaceReadService,
    private readonly services: AdminServices,
  ) {}

  @Get()
  async workspace(
    @CurrentUser() principal: PortalPrincipal,
    @Param('workspaceId') workspaceId: string,
    @Query('granted') granted: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const ws = await this.requireWorkspace(workspaceId);
    const notice =
      typeof granted === 'string' && /^\d{1,30}\.\d{9}$/.test(granted)
        ? `Granted ${granted} credits. The balance shows it as soon as the ledger's read model has it.`
        : undefined;
    await this.render(reply, 200, principal, ws, { notice }, {});
  }

  /** The form's grant id makes a double submit (or a retry) the same grant, never a second one. */
  @Post('grants')
  async grant(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('workspaceId') workspaceId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const ws = await this.requireWorkspace(workspaceId);
    const form: GrantForm = {
      credits: textField(request.body, 'credits'),
      reason: textField(request.body, 'reason'),
      kind: textField(request.body, 'kind'),
    };
    try {
      const grantId = GrantIdSchema.safeParse(textField(request.body, 'grantId'));
      const kind = GrantKindSchema.safeParse(form.kind);
      if (!grantId.success || !kind.success)
        return await this.render(
          reply,
          400,
          principal,
          ws,
          { error: 'That form is out of date. Reload the page and try again.' },
          form,
        );
      const amount = positiveCredits(form.credits ?? '', 'Credits');
      const reason = requiredText(request.body, 'reason', 'Reason');
      await this.services.commands().execute(
        new GrantCreditsCommand({
          accountId: ws.id,
          grantId: grantId.data,
          amountNanocredits: amount,
          kind: kind.data,
          reason,
          actor: describeAdminActor(actor),
          idempotencyKey: `admin-grant:${grantId.data}`,
          now: new Date().toISOString(),
        }),
      );
      redirect(reply, `/admin/workspaces/${ws.id}?granted=${formatCredits(amount)}`);
    } catch (err) {
      const text = adminErrorText(err);
      if (text === null) throw err;
      await this.render(reply, adminErrorStatus(err), principal, ws, { error: text }, form);
    }
  }

  private async requireWorkspace(workspaceId: string): Promise<Workspace> {
    if (!isUuid(workspaceId)) throw new PortalNotFoundException();
    const { rows } = await this.pool.query<Workspace>(
      'SELECT id, name, created_at AS "createdAt" FROM workspaces WHERE id = $1',
      [workspaceId],
    );
    if (!rows[0]) throw new PortalNotFoundException();
    return rows[0];
  }

  private async render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    ws: Workspace,
    notices: AdminNotices,
    form: GrantForm,
  ): Promise<void> {
    const [balance, members, keys, requests] = await Promise.all([
      this.reads.balance(ws.id),
      listWorkspaceMembers(this.pool, ws.id),
      this.keysIfAvailable(ws.id),
      this.reads.requestLog(ws.id, { page: 1, perPage: RECENT_REQUESTS }),
    ]);
    const providerNames = await this.reads.providerNames(
      requests.rows.map((r) => r.provider).filter((p): p is string => p !== null),
    );
    sendAdminPage(
      reply,
      status,
      'workspace',
      {
        ...notices,
        ws: { id: ws.id, name: ws.name, createdAt: utc(ws.createdAt) },
        balance: {
          available: formatCredits(balance.availableNanocredits),
          leased: formatCredits(balance.leasedNanocredits),
          posted: formatCredits(balance.postedNanocredits),
        },
        members,
        keys: keys.map((k) => ({
          name: k.name,
          prefix: k.prefix,
          spent: formatCredits(k.spentNanocredits),
          limit: k.spendLimitNanocredits === null ? 'none' : formatCredits(k.spendLimitNanocredits),
          createdAt: utc(k.createdAt),
          status: k.revokedAt ? `revoked ${utc(k.revokedAt)}` : 'active',
        })),
        requests: requests.rows.map((r) => ({
          occurredAt: utc(r.occurredAt),
          model: r.model ?? r.alias ?? '',
          provider: r.provider ? (providerNames.get(r.provider) ?? r.provider) : '',
          promptTokens: r.promptTokens.toString(),
          completionTokens: r.completionTokens.toString(),
          price: formatCredits(r.priceNanocredits),
          status: r.status,
        })),
        // A fresh id per rendered form: resubmitting this form is the same grant.
        grantId: randomUUID(),
        form: { credits: form.credits ?? '', reason: form.reason ?? '', kind: form.kind ?? 'manual' },
      },
      principal,
    );
  }

  private async keysIfAvailable(workspaceId: string) {
    try {
      return await this.services.gatewayAdmin().listApiKeys(workspaceId);
    } catch (err) {
      // The portal running without the gateway has no keys to show; anything else is a real failure.
      if (err instanceof AdminServiceUnavailable) return [];
      throw err;
    }
  }
}
