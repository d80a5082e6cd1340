import type { EventStore, RecordedEvent } from '@tollgate/event-store';
// Types only: invoicing does not load the payments code; the mapped result is validated by our schemas.
import type { PaymentConfirmed, PaymentOrderCreated, PaymentRefunded } from '@tollgate/payments';
import type { ConfirmedOrder, RefundedOrder } from '../invoice/inputs';
import type { PaymentFact } from './invoicing.reactor';

const PAYMENT_STREAM_PREFIX = 'payment-';
const MAX_ORDER_EVENTS = 1000;

function taxLabel(tax: PaymentOrderCreated['tax']): string {
  switch (tax.treatment) {
    case 'reverse_charge':
      return 'VAT 0% (reverse charge)';
    case 'outside_scope':
      return 'No VAT (outside scope)';
    case 'standard':
      return `${tax.taxType.toUpperCase()} ${tax.ratePercent}%`;
    default: {
      const never: never = tax.treatment;
      return String(never);
    }
  }
}

/** libs/payments' order as created + its confirmation → what an invoice is drafted from. */
export function confirmedOrderFromPayment(
  created: PaymentOrderCreated,
  confirmed: PaymentConfirmed,
): ConfirmedOrder {
  const tax = created.tax;
  const profile = created.billingProfile;
  return {
    orderId: created.orderId,
    workspaceId: created.workspaceId,
    accountId: created.accountId,
    packageLine: {
      packageId: created.package.packageId,
      description: created.package.name,
      creditsNanocredits: created.package.creditsNanocredits,
    },
    bonusCreditsNanocredits: created.package.bonusNanocredits ?? '0',
    taxSnapshot: {
      currency: tax.currency,
      netMinor: tax.netMinor,
      taxMinor: tax.taxMinor,
      grossMinor: tax.grossMinor,
      breakdown: [
        {
          label: taxLabel(tax),
          ratePercent: tax.ratePercent,
          netMinor: tax.netMinor,
          taxMinor: tax.taxMinor,
        },
      ],
      reverseCharge: tax.treatment === 'reverse_charge',
      legalNote: tax.note ?? null,
    },
    buyer: {
      legalName: profile.legalName,
      addressLines: profile.addressLines,
      postalCode: profile.postalCode || null,
      city: profile.city,
      country: profile.country,
      vatId: profile.vatId ?? null,
      email: profile.invoiceEmail,
    },
    confirmedAt: confirmed.confirmedAt,
  };
}

export function refundedOrderFromPayment(refunded: PaymentRefunded, reason: string | null): RefundedOrder {
  return {
    orderId: refunded.orderId,
    refundId: refunded.refundId,
    grossMinor: refunded.amountMinor,
    reason,
    refundedAt: refunded.refundedAt,
  };
}

/**
 * Maps payments' `PaymentConfirmed` / `PaymentRefunded` events to invoicing facts, reading the order's
 * stream for what the confirmation does not carry (package, frozen billing profile, tax snapshot).
 */
export function paymentEventMapper(store: EventStore): (event: RecordedEvent) => Promise<PaymentFact | null> {
  return async (event) => {
    if (!event.streamId.startsWith(PAYMENT_STREAM_PREFIX)) return null;
    if (event.type !== 'PaymentConfirmed' && event.type !== 'PaymentRefunded') return null;
    const history = await store.readStream(event.streamId, { maxCount: MAX_ORDER_EVENTS });
    if (event.type === 'PaymentConfirmed') {
      const created = history.find((e) => e.type === 'PaymentOrderCreated');
      if (!created) throw new Error(`${event.streamId}: PaymentConfirmed without PaymentOrderCreated`);
      return {
        kind: 'order_confirmed',
        order: confirmedOrderFromPayment(created.data as PaymentOrderCreated, event.data as PaymentConfirmed),
      };
    }
    const refunded = event.data as PaymentRefunded;
    const requested = history.find(
      (e) => e.type === 'RefundRequested' && (e.data as { refundId?: string }).refundId === refunded.refundId,
    );
    const reason = (requested?.data as { reason?: string } | undefined)?.reason ?? null;
    return { kind: 'order_refunded', refund: refundedOrderFromPayment(refunded, reason) };
  };
}
