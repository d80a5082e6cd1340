import { Controller, Get, Inject, NotFoundException, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { formatMoney } from '@tollgate/money';
import { formatCreditsTrimmed } from '@tollgate/money';
import {
  checkoutReturnUrl,
  orderIdFromSandboxSession,
  type OrderView,
  type PaymentsService,
  type SandboxCheckoutProvider,
  type WebhookPipeline,
} from '@tollgate/payments';
import {
  PAYMENTS_OPTIONS,
  PAYMENTS_SERVICE,
  SANDBOX_PROVIDER,
  WEBHOOK_PIPELINE,
  type PaymentsModuleOptions,
} from '../payments/payments.tokens';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The embedded sandbox's hosted payment page (zero-setup default, no real money). "Pay" and "Let it
 * expire" build a provider event, sign it with the sandbox HMAC secret and push it through the same
 * webhook pipeline a real delivery takes (same verification, replay and idempotency rules).
 */
@Controller('sandbox/checkout')
export class SandboxCheckoutController {
  constructor(
    @Inject(SANDBOX_PROVIDER) private readonly sandbox: SandboxCheckoutProvider | null,
    @Inject(PAYMENTS_SERVICE) private readonly payments: PaymentsService,
    @Inject(WEBHOOK_PIPELINE) private readonly pipeline: WebhookPipeline,
    @Inject(PAYMENTS_OPTIONS) private readonly options: PaymentsModuleOptions,
  ) {}

  private async order(sessionId: string): Promise<{ sandbox: SandboxCheckoutProvider; order: OrderView }> {
    const orderId = orderIdFromSandboxSession(sessionId);
    if (!this.sandbox || !orderId || orderId.length > 100) throw new NotFoundException();
    const order = await this.payments.getOrder(orderId);
    if (!order || order.provider !== 'sandbox' || order.checkout?.sessionId !== sessionId)
      throw new NotFoundException();
    return { sandbox: this.sandbox, order };
  }

  @Get(':sessionId')
  async page(@Param('sessionId') sessionId: string, @Res() reply: FastifyReply): Promise<void> {
    const { order } = await this.order(sessionId);
    const tax = order.quote.tax;
    const money = (minor: string) =>
      `${formatMoney({ amountMinor: BigInt(minor), currency: tax.currency })} ${tax.currency}`;
    const open = order.status === 'checkout_open';
    const action = (path: string, label: string) =>
      `<form method="post" action="/sandbox/checkout/${encodeURIComponent(sessionId)}/${path}"><button type="submit">${label}</button></form>`;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto">
<p><strong>Sandbox payment</strong> — no real money moves.</p>
<h1>${escapeHtml(order.package.name)}: ${escapeHtml(formatCreditsTrimmed(BigInt(order.creditsNanocredits)))} credits</h1>
<table>
<tr><td>Net</td><td>${escapeHtml(money(tax.netMinor))}</td></tr>
<tr><td>Tax (${escapeHtml(tax.ratePercent)} %)</td><td>${escapeHtml(money(tax.taxMinor))}</td></tr>
<tr><td><strong>Total</strong></td><td><strong>${escapeHtml(money(tax.grossMinor))}</strong></td></tr>
</table>
${tax.note ? `<p>${escapeHtml(tax.note)}</p>` : ''}
<p>${escapeHtml(order.quote.refundPolicyText)}</p>
${open ? action('pay', 'Pay') + action('expire', 'Let the session expire') : `<p>This checkout is ${escapeHtml(order.status)}.</p>`}
</body></html>`;
    await reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html);
  }

  @Post(':sessionId/pay')
  async pay(@Param('sessionId') sessionId: string, @Res() reply: FastifyReply): Promise<void> {
    await this.deliver(sessionId, 'checkout.session.completed', 'success', reply);
  }

  @Post(':sessionId/expire')
  async expire(@Param('sessionId') sessionId: string, @Res() reply: FastifyReply): Promise<void> {
    await this.deliver(sessionId, 'checkout.session.expired', 'cancelled', reply);
  }

  private async deliver(
    sessionId: string,
    type: 'checkout.session.completed' | 'checkout.session.expired',
    outcome: 'success' | 'cancelled',
    reply: FastifyReply,
  ): Promise<void> {
    const { sandbox, order } = await this.order(sessionId);
    const signed = sandbox.buildSignedEvent({
      type,
      orderId: order.orderId,
      amountMinor: BigInt(order.quote.tax.grossMinor),
      currency: order.quote.tax.currency,
      now: (this.options.now ?? (() => new Date()))(),
    });
    const result = await this.pipeline.handle('sandbox', signed.rawBody, signed.headers);
    if (result.status !== 200) throw new NotFoundException();
    await reply
      .status(303)
      .header(
        'location',
        checkoutReturnUrl(this.options.config.publicBaseUrl, order.workspaceId, order.orderId, outcome),
      )
      .send();
  }
}
