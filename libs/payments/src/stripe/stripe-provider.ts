import Stripe from 'stripe';
import {
  headerValue,
  minorUnitsAsNumber,
  ProviderError,
  WEBHOOK_TOLERANCE_SECONDS,
  type CheckoutProvider,
  type CheckoutSession,
  type CheckoutSessionRequest,
  type HeaderBag,
  type ProviderRefundRequest,
  type WebhookVerification,
} from '../providers/checkout-provider';

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** Tests point the real client at a local fake: `{ host: '127.0.0.1', port, protocol: 'http' }`. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** Stripe Checkout behind the CheckoutProvider port. Every write carries an idempotency key. */
export class StripeCheckoutProvider implements CheckoutProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeProviderOptions) {
    this.stripe = new Stripe(options.secretKey, {
      host: options.host,
      port: options.port,
      protocol: options.protocol,
      timeout: options.timeoutMs ?? 20_000,
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      telemetry: false,
    });
  }

  async createSession(request: CheckoutSessionRequest): Promise<CheckoutSession> {
    try {
      const session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: request.orderId,
          metadata: { order_id: request.orderId, workspace_id: request.workspaceId },
          payment_intent_data: { metadata: { order_id: request.orderId } },
          customer_email: request.customerEmail,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: minorUnitsAsNumber(request.amountMinor),
                product_data: { name: request.productName },
              },
            },
          ],
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
        },
        { idempotencyKey: `checkout-${request.orderId}` },
      );
      if (!session.url) throw new ProviderError('stripe', 'checkout session without a url');
      return { sessionId: session.id, url: session.url };
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError('stripe', `checkout session failed: ${(err as Error).message}`);
    }
  }

  verifyWebhook(rawBody: Buffer, headers: HeaderBag, receivedAt: Date): WebhookVerification {
    const signature = headerValue(headers, STRIPE_SIGNATURE_HEADER);
    if (!signature) return { ok: false, reason: 'MISSING_SIGNATURE', message: 'no Stripe-Signature header' };
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.options.webhookSecret,
        WEBHOOK_TOLERANCE_SECONDS,
        undefined,
        receivedAt.getTime(),
      );
    } catch (err) {
      const message = (err as Error).message;
      const stale = /tolerance/i.test(message);
      return {
        ok: false,
        reason: stale ? 'STALE_TIMESTAMP' : 'BAD_SIGNATURE',
        message: message.split('\n')[0],
      };
    }
    const object = (event.data as { object?: unknown } | undefined)?.object;
    if (
      typeof event.id !== 'string' ||
      typeof event.type !== 'string' ||
      !object ||
      typeof object !== 'object'
    )
      return { ok: false, reason: 'MALFORMED_PAYLOAD', message: 'not an event envelope' };
    return {
      ok: true,
      event: {
        id: event.id,
        type: event.type,
        created: event.created,
        object: object as Record<string, unknown>,
      },
    };
  }

  async refund(request: ProviderRefundRequest): Promise<{ providerRefundId: string }> {
    try {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: request.providerPaymentId,
          amount: minorUnitsAsNumber(request.amountMinor),
          metadata: { order_id: request.orderId, tollgate_refund_id: request.refundId },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return { providerRefundId: refund.id };
    } catch (err) {
      throw new ProviderError('stripe', `refund failed: ${(err as Error).message}`);
    }
  }
}
