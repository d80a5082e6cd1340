import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { formatCredits, formatMoneyWithCurrency, money } from '@tollgate/money';
import { listOrders, type OrderListRow } from '@tollgate/payments';
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
  positiveCredits,
  requiredText,
  textField,
  utc,
} from './admin-forms';
import { sendAdminPage, type AdminNotices } from './admin-renderer';
import { AdminServices } from './admin-services';

const LISTED = 100;
const OrderIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9-]+$/);
const RefundIdSchema = z.uuid();

const NOTICES = {
  approved: 'Order approved: the workspace is being credited.',
  rejected: 'Order rejected.',
  refunded: 'Refund recorded.',
} as const;

/**
 * Settlement from the admin workspace: manual (bank transfer) orders to approve or reject, and refunds
 * of paid orders, through the same PaymentsService calls as the admin payments JSON API.
 */
@Controller('admin/orders')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AdminOrdersPagesController {
  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    private readonly services: AdminServices,
  ) {}

  @Get()
  async orders(
    @CurrentUser() principal: PortalPrincipal,
    @Query('done') done: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const notice =
      typeof done === 'string' && done in NOTICES ? NOTICES[done as keyof typeof NOTICES] : undefined;
    await this.render(reply, 200, principal, { notice });
  }

  @Post(':orderId/approve')
  async approve(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('orderId') orderId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.orderId(orderId);
    await this.act(reply, principal, 'approved', () =>
      this.services.payments().approveManualOrder({
        orderId: id,
        paymentReference: requiredText(request.body, 'paymentReference', 'Payment reference', 200),
        actor: describeAdminActor(actor),
      }),
    );
  }

  @Post(':orderId/reject')
  async reject(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('orderId') orderId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.orderId(orderId);
    await this.act(reply, principal, 'rejected', () =>
      this.services.payments().rejectManualOrder({
        orderId: id,
        reason: requiredText(request.body, 'reason', 'Reason'),
        actor: describeAdminActor(actor),
      }),
    );
  }

  /** The form's refund id makes a resubmission resume the same refund, never a second one. */
  @Post(':orderId/refund')
  async refund(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentAdmin() actor: AdminActor,
    @Param('orderId') orderId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = this.orderId(orderId);
    await this.act(reply, principal, 'refunded', () => {
      const refundId = RefundIdSchema.safeParse(textField(request.body, 'refundId'));
      if (!refundId.success) throw new FormError('That form is out of date. Reload the page and try again.');
      const creditsText = textField(request.body, 'credits');
      return this.services.payments().refundOrder({
        orderId: id,
        refundId: refundId.data,
        creditsNanocredits:
          creditsText === '' ? undefined : positiveCredits(creditsText, 'Credits to refund'),
        reason: requiredText(request.body, 'reason', 'Reason'),
        actor: describeAdminActor(actor),
      });
    });
  }

  private orderId(orderId: string): string {
    const parsed = OrderIdSchema.safeParse(orderId);
    if (!parsed.success) throw new PortalNotFoundException();
    return parsed.data;
  }

  /** Runs one settlement call; a refusal (form or domain) re-renders the page with its message. */
  private async act(
    reply: FastifyReply,
    principal: PortalPrincipal,
    done: keyof typeof NOTICES,
    call: () => Promise<unknown>,
  ): Promise<void> {
    try {
      const result = await call();
      if (result instanceof DomainError) throw result;
      redirect(reply, `/admin/orders?done=${done}`);
    } catch (err) {
      const text = adminErrorText(err);
      if (text === null) throw err;
      await this.render(reply, adminErrorStatus(err), principal, { error: text });
    }
  }

  private async render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: AdminNotices,
  ): Promise<void> {
    const [pending, paid, recent] = await Promise.all([
      listOrders(this.pool, { provider: 'manual', status: 'created', limit: LISTED }),
      listOrders(this.pool, { status: 'confirmed', limit: LISTED }),
      listOrders(this.pool, { limit: LISTED }),
    ]);
    const names = await this.workspaceNames([...pending, ...paid, ...recent].map((o) => o.workspaceId));
    const view = (o: OrderListRow) => ({
      ...o,
      workspaceName: names.get(o.workspaceId) ?? o.workspaceId,
      gross: formatMoneyWithCurrency(money(BigInt(o.grossMinor), o.currency)),
      refunded:
        o.refundedMinor !== '0' ? formatMoneyWithCurrency(money(BigInt(o.refundedMinor), o.currency)) : null,
      credits: formatCredits(BigInt(o.creditsNanocredits)),
      createdAt: utc(o.createdAt),
    });
    sendAdminPage(
      reply,
      status,
      'orders',
      {
        ...notices,
        pending: pending.map(view),
        // A fresh refund id per rendered form.
        paid: paid.map((o) => ({ ...view(o), refundId: randomUUID() })),
        recent: recent.map(view),
      },
      principal,
    );
  }

  private async workspaceNames(ids: string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ id: string; name: string }>(
      'SELECT id::text, name FROM workspaces WHERE id::text = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
