import type { RecordedEvent } from '@tollgate/event-store';
import { formatCreditsTrimmed } from '@tollgate/money';
import type { PaymentFact } from '@tollgate/invoicing';
import {
  parsePaymentEvent,
  PAYMENT_STREAM_PREFIX,
  type PaymentConfirmed,
  type PaymentRefunded,
} from '../orders/events';

function label(tax: PaymentConfirmed['order']['tax']): string {
  if (tax.treatment === 'reverse_charge') return 'VAT reverse charge';
  if (tax.treatment === 'outside_scope') return 'No VAT/GST';
  const kind = tax.taxType === 'override' ? 'Tax' : tax.taxType.toUpperCase();
  return `${kind} ${tax.ratePercent}%`.slice(0, 80);
}

export function confirmedOrderFact(d: PaymentConfirmed): Extract<PaymentFact, { kind: 'order_confirmed' }> {
  const { package: pkg, tax, billingProfile: buyer } = d.order;
  return {
    kind: 'order_confirmed',
    order: {
      orderId: d.orderId,
      workspaceId: d.workspaceId,
      accountId: d.accountId,
      packageLine: {
        packageId: pkg.packageId,
        description: `${pkg.name}: ${formatCreditsTrimmed(BigInt(pkg.creditsNanocredits))} credits`,
        creditsNanocredits: pkg.creditsNanocredits,
      },
      bonusCreditsNanocredits: pkg.bonusNanocredits,
      taxSnapshot: {
        currency: tax.currency,
        netMinor: tax.netMinor,
        taxMinor: tax.taxMinor,
        grossMinor: tax.grossMinor,
        breakdown: [
          { label: label(tax), ratePercent: tax.ratePercent, netMinor: tax.netMinor, taxMinor: tax.taxMinor },
        ],
        reverseCharge: tax.treatment === 'reverse_charge',
        legalNote: tax.note ?? null,
      },
      buyer: {
        legalName: buyer.legalName,
        addressLines: buyer.addressLines,
        postalCode: buyer.postalCode || null,
        city: buyer.city,
        country: buyer.country,
        vatId: buyer.vatId ?? null,
        email: buyer.invoiceEmail,
      },
      confirmedAt: new Date(d.confirmedAt).toISOString(),
    },
  };
}

export function refundedOrderFact(d: PaymentRefunded): Extract<PaymentFact, { kind: 'order_refunded' }> {
  return {
    kind: 'order_refunded',
    refund: {
      orderId: d.orderId,
      refundId: d.refundId,
      grossMinor: d.amountMinor,
      reason: d.reason,
      refundedAt: new Date(d.refundedAt).toISOString(),
    },
  };
}

/**
 * The `PaymentEventMapper` libs/invoicing's InvoicingReactor takes: PaymentConfirmed → an invoice,
 * PaymentRefunded → a credit note. Everything comes from the event itself (no reads).
 */
export function paymentEventToInvoicingFact(event: RecordedEvent): PaymentFact | null {
  if (!event.streamId.startsWith(PAYMENT_STREAM_PREFIX)) return null;
  if (event.type !== 'PaymentConfirmed' && event.type !== 'PaymentRefunded') return null;
  const parsed = parsePaymentEvent(event.type, event.data);
  if (parsed?.type === 'PaymentConfirmed') return confirmedOrderFact(parsed.data);
  if (parsed?.type === 'PaymentRefunded') return refundedOrderFact(parsed.data);
  return null;
}
