import { DomainError } from '@tollgate/event-store';
import { evolveInvoice, initialInvoiceState, type CreditNote, type InvoiceState } from '../invoice/decider';
import type { InvoiceEvent } from '../invoice/events';

/**
 * What the templates see. Built only from the invoice's events (never from "now" or live config), so
 * the same events always render the same document. Amounts stay raw integer strings; the templates
 * format them with the `money` / `credits` helpers.
 */
export interface InvoiceDocument {
  kind: 'invoice';
  number: string;
  issueDate: string;
  status: 'finalized' | 'voided';
  voidReason: string | null;
  orderId: string;
  currency: string;
  seller: NonNullable<InvoiceState['drafted']>['seller'];
  buyer: NonNullable<InvoiceState['drafted']>['buyer'];
  lines: NonNullable<InvoiceState['drafted']>['lines'];
  tax: NonNullable<InvoiceState['drafted']>['tax'];
  creditNotes: { number: string; issueDate: string; grossMinor: string }[];
}

export interface CreditNoteDocument {
  kind: 'credit_note';
  number: string;
  invoiceNumber: string;
  invoiceIssueDate: string;
  issueDate: string;
  currency: string;
  reason: string | null;
  refundId: string;
  seller: InvoiceDocument['seller'];
  buyer: InvoiceDocument['buyer'];
  netMinor: string;
  taxMinor: string;
  grossMinor: string;
  /** The invoice's tax breakdown labels, for the rate line. */
  taxLabel: string;
  reverseCharge: boolean;
  legalNote: string | null;
}

export function foldInvoice(events: readonly InvoiceEvent[]): InvoiceState {
  return events.reduce(evolveInvoice, initialInvoiceState());
}

function requireFinalized(state: InvoiceState) {
  if (!state.drafted || !state.finalized)
    throw new DomainError('INVOICE_NOT_FINALIZED', 'only a finalized invoice has a document', {
      invoiceId: state.drafted?.invoiceId,
    });
  return { drafted: state.drafted, finalized: state.finalized };
}

export function invoiceDocument(events: readonly InvoiceEvent[]): InvoiceDocument {
  const state = foldInvoice(events);
  const { drafted, finalized } = requireFinalized(state);
  return {
    kind: 'invoice',
    number: finalized.number,
    issueDate: finalized.issueDate,
    status: state.status === 'voided' ? 'voided' : 'finalized',
    voidReason: state.voidReason,
    orderId: drafted.orderId,
    currency: drafted.currency,
    seller: drafted.seller,
    buyer: drafted.buyer,
    lines: drafted.lines,
    tax: drafted.tax,
    creditNotes: state.creditNotes.map((c) => ({
      number: c.number,
      issueDate: c.issueDate,
      grossMinor: c.grossMinor,
    })),
  };
}

export function creditNoteDocument(
  events: readonly InvoiceEvent[],
  creditNoteId: string,
): CreditNoteDocument {
  const state = foldInvoice(events);
  const { drafted, finalized } = requireFinalized(state);
  const note: CreditNote | undefined = state.creditNotes.find((c) => c.creditNoteId === creditNoteId);
  if (!note)
    throw new DomainError('CREDIT_NOTE_NOT_FOUND', `credit note ${creditNoteId} does not exist`, {
      creditNoteId,
    });
  return {
    kind: 'credit_note',
    number: note.number,
    invoiceNumber: finalized.number,
    invoiceIssueDate: finalized.issueDate,
    issueDate: note.issueDate,
    currency: note.currency,
    reason: note.reason,
    refundId: note.refundId,
    seller: drafted.seller,
    buyer: drafted.buyer,
    netMinor: note.netMinor,
    taxMinor: note.taxMinor,
    grossMinor: note.grossMinor,
    taxLabel: drafted.tax.breakdown.map((b) => b.label).join(', '),
    reverseCharge: drafted.tax.reverseCharge,
    legalNote: drafted.tax.legalNote,
  };
}
