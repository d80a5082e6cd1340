import type { RecordedEvent } from '@tollgate/event-store';
import { parseIntegerString } from '@tollgate/money';
import { creditNoteIdForRefund, invoiceIdForOrder, type InvoiceService } from '../invoice/invoice-service';
import {
  confirmedOrderSchema,
  refundedOrderSchema,
  type ConfirmedOrder,
  type RefundedOrder,
} from '../invoice/inputs';
import { decodeNumberAllocated } from '../numbering/events';

/** What a payment event means for invoicing; the integrator maps libs/payments' events to this. */
export type PaymentFact =
  { kind: 'order_confirmed'; order: ConfirmedOrder } | { kind: 'order_refunded'; refund: RefundedOrder };

export type PaymentEventMapper = (event: RecordedEvent) => PaymentFact | null | Promise<PaymentFact | null>;

export type ReactionOutcome =
  | { kind: 'invoice_finalized'; invoiceId: string; number: string }
  | { kind: 'credit_note_issued'; invoiceId: string; creditNoteId: string }
  | { kind: 'recovered_number'; invoiceId: string; number: string }
  | { kind: 'ignored' };

/**
 * Drafts and finalizes the invoice when an order is confirmed and issues a credit note when it is
 * refunded. Ids derive from the order and refund ids and every command is idempotent, so redelivery
 * (at-least-once from a checkpointed subscription) never creates a second invoice or credit note.
 * It also finishes invoices whose number slot was filled by a process that then crashed.
 */
export class InvoicingReactor {
  constructor(
    private readonly invoices: InvoiceService,
    private readonly mapPaymentEvent: PaymentEventMapper,
  ) {}

  async handle(event: RecordedEvent): Promise<ReactionOutcome> {
    const allocated = decodeNumberAllocated(event.type, event.data);
    if (allocated) {
      const { state } = await this.invoices.load(allocated.data.invoiceId);
      if (state.status !== 'draft') return { kind: 'ignored' };
      const n = await this.invoices.finalize(allocated.data.invoiceId, this.meta(event));
      return { kind: 'recovered_number', invoiceId: n.invoiceId, number: n.number };
    }
    const fact = await this.mapPaymentEvent(event);
    if (!fact) return { kind: 'ignored' };
    switch (fact.kind) {
      case 'order_confirmed':
        return this.onOrderConfirmed(fact.order, event);
      case 'order_refunded':
        return this.onOrderRefunded(fact.refund, event);
      default: {
        const never: never = fact;
        throw new Error(`unknown payment fact ${JSON.stringify(never)}`);
      }
    }
  }

  async onOrderConfirmed(order: ConfirmedOrder, cause?: RecordedEvent): Promise<ReactionOutcome> {
    const parsed = confirmedOrderSchema.parse(order);
    const invoiceId = invoiceIdForOrder(parsed.orderId);
    await this.invoices.draftFromOrder(invoiceId, order, { metadata: this.meta(cause, parsed.orderId) });
    const n = await this.invoices.finalize(invoiceId, this.meta(cause, parsed.orderId));
    return { kind: 'invoice_finalized', invoiceId, number: n.number };
  }

  async onOrderRefunded(refund: RefundedOrder, cause?: RecordedEvent): Promise<ReactionOutcome> {
    const parsed = refundedOrderSchema.parse(refund);
    const invoiceId = invoiceIdForOrder(parsed.orderId);
    const creditNoteId = creditNoteIdForRefund(parsed.refundId);
    await this.invoices.issueCreditNote(
      invoiceId,
      {
        creditNoteId,
        refundId: parsed.refundId,
        grossMinor: parseIntegerString(parsed.grossMinor, 'refund amount'),
        reason: parsed.reason,
      },
      this.meta(cause, parsed.refundId),
    );
    return { kind: 'credit_note_issued', invoiceId, creditNoteId };
  }

  private meta(cause?: RecordedEvent, idempotencyKey?: string) {
    return {
      actor: 'invoicing-reactor',
      ...(cause ? { causationId: cause.id, correlationId: cause.metadata.correlationId ?? cause.id } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
  }
}
