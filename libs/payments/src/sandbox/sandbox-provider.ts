import { createHash, randomUUID } from 'node:crypto';
import {
  headerValue,
  minorUnitsAsNumber,
  parseEventEnvelope,
  type CheckoutProvider,
  type CheckoutSession,
  type CheckoutSessionRequest,
  type HeaderBag,
  type ProviderRefundRequest,
  type WebhookVerification,
} from '../providers/checkout-provider';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, verifySandboxSignature } from './signature';

export interface SandboxProviderOptions {
  /** HMAC secret shared by the sandbox's "payment network" and the webhook endpoint. */
  webhookSecret: string;
  /** Public base URL of this Tollgate, for the hosted payment page link. */
  publicBaseUrl: string;
}

export const SANDBOX_SESSION_PREFIX = 'sbx_cs_';

export function sandboxSessionId(orderId: string): string {
  return `${SANDBOX_SESSION_PREFIX}${orderId}`;
}

export function orderIdFromSandboxSession(sessionId: string): string | null {
  return sessionId.startsWith(SANDBOX_SESSION_PREFIX) ? sessionId.slice(SANDBOX_SESSION_PREFIX.length) : null;
}

/**
 * The zero-setup provider: a payment page served by Tollgate itself (`/sandbox/checkout/:sessionId`).
 * Pressing "pay" builds a Stripe-shaped event, signs it with HMAC and hands it to the same webhook
 * pipeline a real provider's delivery goes through.
 */
export class SandboxCheckoutProvider implements CheckoutProvider {
  readonly name = 'sandbox' as const;
  constructor(private readonly options: SandboxProviderOptions) {}

  createSession(request: CheckoutSessionRequest): Promise<CheckoutSession> {
    const sessionId = sandboxSessionId(request.orderId);
    const base = this.options.publicBaseUrl.replace(/\/+$/, '');
    return Promise.resolve({ sessionId, url: `${base}/sandbox/checkout/${encodeURIComponent(sessionId)}` });
  }

  verifyWebhook(rawBody: Buffer, headers: HeaderBag, receivedAt: Date): WebhookVerification {
    const check = verifySandboxSignature(
      rawBody,
      headerValue(headers, SANDBOX_SIGNATURE_HEADER),
      this.options.webhookSecret,
      receivedAt,
    );
    if (!check.ok) return { ok: false, reason: check.reason, message: `sandbox signature: ${check.reason}` };
    const event = parseEventEnvelope(rawBody);
    if (!event) return { ok: false, reason: 'MALFORMED_PAYLOAD', message: 'not an event envelope' };
    return { ok: true, event };
  }

  refund(request: ProviderRefundRequest): Promise<{ providerRefundId: string }> {
    const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24);
    return Promise.resolve({ providerRefundId: `sbx_re_${digest}` });
  }

  /** What the hosted page's "pay" (or "let it expire") button delivers: a signed event. */
  buildSignedEvent(input: {
    type: 'checkout.session.completed' | 'checkout.session.expired';
    orderId: string;
    amountMinor: bigint;
    currency: string;
    now: Date;
  }): { rawBody: Buffer; headers: HeaderBag; eventId: string } {
    const eventId = `evt_sbx_${randomUUID()}`;
    const created = Math.floor(input.now.getTime() / 1000);
    const paid = input.type === 'checkout.session.completed';
    const body = JSON.stringify({
      id: eventId,
      object: 'event',
      type: input.type,
      created,
      livemode: false,
      data: {
        object: {
          id: sandboxSessionId(input.orderId),
          object: 'checkout.session',
          client_reference_id: input.orderId,
          metadata: { order_id: input.orderId },
          amount_total: minorUnitsAsNumber(input.amountMinor),
          currency: input.currency.toLowerCase(),
          payment_status: paid ? 'paid' : 'unpaid',
          status: paid ? 'complete' : 'expired',
          payment_intent: paid ? `sbx_pi_${input.orderId}` : null,
        },
      },
    });
    return {
      rawBody: Buffer.from(body),
      headers: { [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(body, this.options.webhookSecret, created) },
      eventId,
    };
  }
}
