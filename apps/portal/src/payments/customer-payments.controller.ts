import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import { listOrders, type PaymentsService } from '@tollgate/payments';
import { CurrentUser, CurrentWorkspace, WorkspaceMemberGuard, WorkspaceRoles } from '../identity';
import type { PortalPrincipal, WorkspaceAccess } from '../identity';
import { badRequest, orThrow, PaymentsHttpException } from './payment-errors';
import { PAYMENTS_POOL, PAYMENTS_SERVICE } from './payments.tokens';

const PackageIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const OrderIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9-]+$/);
const IdempotencyKeySchema = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw badRequest(`invalid ${what}`, {
      issues: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return r.data;
}

/**
 * The customer's payment API, scoped to the `:workspaceId` the signed-in user is a member of (the
 * portal's WorkspaceMemberGuard answers 404 for anyone else). Buying needs the owner or billing role.
 */
@Controller('api/workspaces/:workspaceId')
@UseGuards(WorkspaceMemberGuard)
export class CustomerPaymentsController {
  constructor(
    @Inject(PAYMENTS_SERVICE) private readonly payments: PaymentsService,
    @Inject(PAYMENTS_POOL) private readonly pool: Pool,
  ) {}

  @Get('packages')
  async packages() {
    return { packages: await this.payments.listPackages({ activeOnly: true }) };
  }

  @Get('billing-profile')
  async billingProfile(@CurrentWorkspace() access: WorkspaceAccess) {
    const current = await this.payments.getBillingProfile(access.workspace.id);
    return { billingProfile: current?.profile ?? null, revision: current?.revision ?? 0 };
  }

  @Put('billing-profile')
  @WorkspaceRoles('owner', 'billing')
  async saveBillingProfile(
    @CurrentWorkspace() access: WorkspaceAccess,
    @CurrentUser() principal: PortalPrincipal,
    @Body() body: unknown,
  ) {
    const saved = orThrow(
      await this.payments.saveBillingProfile(access.workspace.id, body as never, `user:${principal.user.id}`),
    );
    return { billingProfile: saved.profile, revision: saved.revision };
  }

  /** Net, tax, gross and the refund policy exactly as an order created now would freeze them. */
  @Get('payments/quote')
  async quote(@CurrentWorkspace() access: WorkspaceAccess, @Query('packageId') packageId: unknown) {
    return {
      quote: orThrow(
        await this.payments.quote(access.workspace.id, parse(PackageIdSchema, packageId, 'packageId')),
      ),
    };
  }

  @Post('payments/orders')
  @HttpCode(201)
  @WorkspaceRoles('owner', 'billing')
  async createOrder(
    @CurrentWorkspace() access: WorkspaceAccess,
    @CurrentUser() principal: PortalPrincipal,
    @Headers('idempotency-key') idempotencyKey: unknown,
    @Body() body: unknown,
  ) {
    if (idempotencyKey === undefined)
      throw new PaymentsHttpException('INVALID_COMMAND', 'an Idempotency-Key header is required');
    const input = parse(z.object({ packageId: PackageIdSchema }), body, 'order');
    const order = orThrow(
      await this.payments.createOrder({
        workspaceId: access.workspace.id,
        packageId: input.packageId,
        idempotencyKey: parse(IdempotencyKeySchema, idempotencyKey, 'Idempotency-Key'),
        actor: `user:${principal.user.id}`,
      }),
    );
    return { order };
  }

  @Get('payments/orders')
  async orders(@CurrentWorkspace() access: WorkspaceAccess, @Query('limit') limit: unknown) {
    const n = limit === undefined ? 50 : parse(z.coerce.number().int().min(1).max(200), limit, 'limit');
    return { orders: await listOrders(this.pool, { workspaceId: access.workspace.id, limit: n }) };
  }

  @Get('payments/orders/:orderId')
  async order(@CurrentWorkspace() access: WorkspaceAccess, @Param('orderId') orderId: string) {
    const view = await this.payments.getWorkspaceOrder(
      access.workspace.id,
      parse(OrderIdSchema, orderId, 'order id'),
    );
    if (!view) throw new PaymentsHttpException('ORDER_NOT_FOUND', 'order not found');
    return { order: view };
  }

  @Post('payments/orders/:orderId/checkout')
  @HttpCode(200)
  @WorkspaceRoles('owner', 'billing')
  async checkout(@CurrentWorkspace() access: WorkspaceAccess, @Param('orderId') orderId: string) {
    return {
      checkout: orThrow(
        await this.payments.openCheckout(access.workspace.id, parse(OrderIdSchema, orderId, 'order id')),
      ),
    };
  }

  @Post('payments/orders/:orderId/cancel')
  @HttpCode(200)
  @WorkspaceRoles('owner', 'billing')
  async cancel(
    @CurrentWorkspace() access: WorkspaceAccess,
    @CurrentUser() principal: PortalPrincipal,
    @Param('orderId') orderId: string,
  ) {
    const order = orThrow(
      await this.payments.cancelOrder(
        access.workspace.id,
        parse(OrderIdSchema, orderId, 'order id'),
        `user:${principal.user.id}`,
      ),
    );
    return { order };
  }
}
