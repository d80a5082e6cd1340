import type { ProviderWebhookEvent } from '../providers/checkout-provider';

/** What a verified provider event asks of an order. Unknown types → `ignored`. */
export type WebhookIntent =
  | {
      kind: 'confirm';
      orderId: string | null;
      amountMinor: bigint | null;
      currency: string;
      paid: boolean;
      providerPaymentId: string;
    }
  | { kind: 'expire'; orderId: string | null }
  | { kind: 'fail'; orderId: string | null; reason: string }
  | {
      kind: 'refunds';
      orderId: string | null;
      providerPaymentId: string | null;
      amountRefundedTotalMinor: bigint | null;
      currency: string;
    }
  | { kind: 'ignored' };

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : null;
}

function integer(v: unknown): bigint | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string') return text(v);
  if (v && typeof v === 'object') return text((v as { id?: unknown }).id);
  return null;
}

function orderIdOf(o: Record<string, unknown>): string | null {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return text(o.client_reference_id) ?? text(meta.order_id);
}

export function mapWebhookEvent(event: ProviderWebhookEvent): WebhookIntent {
  const o = event.object;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return {
        kind: 'confirm',
        orderId: orderIdOf(o),
        amountMinor: integer(o.amount_total),
        currency: text(o.currency) ?? '',
        // `unpaid` completions (delayed methods) are settled by async_payment_succeeded later.
        paid: o.payment_status === 'paid',
        providerPaymentId: idOf(o.payment_intent) ?? text(o.id) ?? event.id,
      };
    case 'checkout.session.expired':
      return { kind: 'expire', orderId: orderIdOf(o) };
    case 'checkout.session.async_payment_failed':
      return { kind: 'fail', orderId: orderIdOf(o), reason: 'asynchronous payment failed' };
    case 'charge.refunded':
      return {
        kind: 'refunds',
        orderId: text(((o.metadata ?? {}) as Record<string, unknown>).order_id),
        providerPaymentId: idOf(o.payment_intent),
        amountRefundedTotalMinor: integer(o.amount_refunded),
        currency: text(o.currency) ?? '',
      };
    default:
      return { kind: 'ignored' };
  }
}
