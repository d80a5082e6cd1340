import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import { parseCredits } from '@tollgate/money';
import { listOrders, WebhookReceipts, type PaymentsService } from '@tollgate/payments';
import { AdminGuard, CurrentAdmin, describeAdminActor, type AdminActor } from '../identity';
import { badRequest, orThrow, PaymentsHttpException } from './payment-errors';
import { PAYMENTS_POOL, PAYMENTS_SERVICE } from './payments.tokens';

const OrderIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9-]+$/);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw badRequest(`invalid ${what}`, {
      issues: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return r.data;
}

const RefundBodySchema = z.object({
  /** Optional: makes a retried refund the same refund (no double debit or payout). */
  refundId: z
    .string()
    .regex(/^[A-Za-z0-9-]{8,100}$/)
    .optional(),
  /** Decimal credits ("12.5"); omitted: every unconsumed credit of the order. */
  credits: z.string().max(40).optional(),
  reason: z.string().trim().min(1).max(500),
});

/** Admin settlement API: bearer TOLLGATE_ADMIN_TOKEN or an admin session (the portal's AdminGuard). */
@Controller('admin/api/payments')
@UseGuards(AdminGuard)
export class AdminPaymentsController {
  private readonly receipts: WebhookReceipts;

  constructor(
    @Inject(PAYMENTS_SERVICE) private readonly payments: PaymentsService,
    @Inject(PAYMENTS_POOL) private readonly pool: Pool,
  ) {
    this.receipts = new WebhookReceipts(pool);
  }

  @Get('packages')
  async packages() {
    return { packages: await this.payments.listPackages({ activeOnly: false }) };
  }

  @Put('packages/:packageId')
  async savePackage(
    @Param('packageId') packageId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminActor,
  ) {
    const input = { ...(typeof body === 'object' && body ? body : {}), packageId };
    return { package: orThrow(await this.payments.savePackage(input as never, describeAdminActor(admin))) };
  }

  @Get('orders')
  async orders(
    @Query('status') status: unknown,
    @Query('provider') provider: unknown,
    @Query('flagged') flagged: unknown,
    @Query('workspaceId') workspaceId: unknown,
    @Query('limit') limit: unknown,
  ) {
    const q = parse(
      z.object({
        status: z
          .enum([
            'created',
            'checkout_open',
            'confirmed',
            'failed',
            'expired',
            'cancelled',
            'rejected',
            'refunded',
          ])
          .optional(),
        provider: z.enum(['stripe', 'sandbox', 'manual']).optional(),
        flagged: z.enum(['true', 'false']).optional(),
        workspaceId: z.string().max(100).optional(),
        limit: z.coerce.number().int().min(1).max(200).optional(),
      }),
      { status, provider, flagged, workspaceId, limit },
      'filter',
    );
    return {
      orders: await listOrders(this.pool, {
        status: q.status,
        provider: q.provider,
        flagged: q.flagged === undefined ? undefined : q.flagged === 'true',
        workspaceId: q.workspaceId,
        limit: q.limit,
      }),
    };
  }

  @Get('orders/:orderId')
  async order(@Param('orderId') orderId: string) {
    const view = await this.payments.getOrder(parse(OrderIdSchema, orderId, 'order id'));
    if (!view) throw new PaymentsHttpException('ORDER_NOT_FOUND', 'order not found');
    return { order: view, webhooks: await this.receipts.list({ orderId: view.orderId, limit: 100 }) };
  }

  @Post('orders/:orderId/approve')
  @HttpCode(200)
  async approve(@Param('orderId') orderId: string, @Body() body: unknown, @CurrentAdmin() admin: AdminActor) {
    const input = parse(z.object({ paymentReference: z.string().trim().min(1).max(200) }), body, 'approval');
    const order = orThrow(
      await this.payments.approveManualOrder({
        orderId: parse(OrderIdSchema, orderId, 'order id'),
        paymentReference: input.paymentReference,
        actor: describeAdminActor(admin),
      }),
    );
    return { order };
  }

  @Post('orders/:orderId/reject')
  @HttpCode(200)
  async reject(@Param('orderId') orderId: string, @Body() body: unknown, @CurrentAdmin() admin: AdminActor) {
    const input = parse(z.object({ reason: z.string().trim().min(1).max(500) }), body, 'rejection');
    const order = orThrow(
      await this.payments.rejectManualOrder({
        orderId: parse(OrderIdSchema, orderId, 'order id'),
        reason: input.reason,
        actor: describeAdminActor(admin),
      }),
    );
    return { order };
  }

  @Post('orders/:orderId/refunds')
  @HttpCode(200)
  async refund(@Param('orderId') orderId: string, @Body() body: unknown, @CurrentAdmin() admin: AdminActor) {
    const input = parse(RefundBodySchema, body, 'refund');
    let credits: bigint | undefined;
    if (input.credits !== undefined) {
      try {
        credits = parseCredits(input.credits);
      } catch {
        throw badRequest('credits must be a decimal number of credits with at most 9 decimals');
      }
      if (credits <= 0n) throw badRequest('credits must be positive');
    }
    const order = orThrow(
      await this.payments.refundOrder({
        orderId: parse(OrderIdSchema, orderId, 'order id'),
        refundId: input.refundId,
        creditsNanocredits: credits,
        reason: input.reason,
        actor: describeAdminActor(admin),
      }),
    );
    return { order };
  }

  /** Credits a confirmed order whose crediting was rejected (flagged CREDITING_REJECTED), idempotently. */
  @Post('orders/:orderId/retry-crediting')
  @HttpCode(200)
  async retryCrediting(@Param('orderId') orderId: string) {
    return { result: orThrow(await this.payments.retryCrediting(parse(OrderIdSchema, orderId, 'order id'))) };
  }

  @Get('webhook-receipts')
  async webhookReceipts(@Query('provider') provider: unknown, @Query('orderId') orderId: unknown) {
    const q = parse(
      z.object({
        provider: z.enum(['stripe', 'sandbox']).optional(),
        orderId: z.string().max(100).optional(),
      }),
      { provider, orderId },
      'filter',
    );
    return { receipts: await this.receipts.list({ ...q, limit: 200 }) };
  }
}
