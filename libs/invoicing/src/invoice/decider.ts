import { DomainError, type Decider } from '@tollgate/event-store';
import { currencyExponent, divRoundHalfUp, isCurrencyCode } from '@tollgate/money';
import type { z } from 'zod';
import type {
  CreditNoteIssued,
  InvoiceDrafted,
  InvoiceEvent,
  InvoiceFinalized,
  InvoiceLine,
  creditNoteIssuedSchema,
} from './events';
import {
  confirmedOrderSchema,
  sellerSnapshotSchema,
  type ConfirmedOrder,
  type SellerSnapshot,
} from './inputs';

/** Credit notes per invoice: the suffix has three digits. */
export const MAX_CREDIT_NOTES_PER_INVOICE = 999;

export type InvoiceCommand =
  | {
      type: 'DraftInvoice';
      invoiceId: string;
      seriesId: string;
      order: ConfirmedOrder;
      seller: z.input<typeof sellerSnapshotSchema>;
      draftedAt: string;
    }
  | {
      type: 'RequestInvoiceNumber';
      invoiceId: string;
      seriesId: string;
      year: number;
      afterRevision: number;
      requestedAt: string;
    }
  | {
      type: 'FinalizeInvoice';
      invoiceId: string;
      seriesId: string;
      year: number;
      sequence: number;
      number: string;
      finalizedAt: string;
    }
  | { type: 'VoidInvoice'; invoiceId: string; reason: string; voidedAt: string }
  | {
      type: 'IssueCreditNote';
      invoiceId: string;
      creditNoteId: string;
      refundId: string;
      grossMinor: bigint;
      reason: string | null;
      issuedAt: string;
    };

export type CreditNote = z.infer<typeof creditNoteIssuedSchema>;

export interface InvoiceState {
  status: 'none' | 'draft' | 'finalized' | 'voided';
  drafted: InvoiceDrafted['data'] | null;
  /** Where this invoice's number slot, if it has one, lies (see InvoiceService.finalize). */
  numberRequest: { seriesId: string; year: number; afterRevision: number } | null;
  finalized: InvoiceFinalized['data'] | null;
  voidReason: string | null;
  creditNotes: CreditNote[];
}

export function initialInvoiceState(): InvoiceState {
  return {
    status: 'none',
    drafted: null,
    numberRequest: null,
    finalized: null,
    voidReason: null,
    creditNotes: [],
  };
}

/** Gross, net and tax not yet covered by credit notes. */
export function creditableRemainder(state: InvoiceState): {
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
} {
  const tax = state.drafted?.tax;
  if (!tax) return { netMinor: 0n, taxMinor: 0n, grossMinor: 0n };
  let netMinor = BigInt(tax.netMinor);
  let taxMinor = BigInt(tax.taxMinor);
  for (const cn of state.creditNotes) {
    netMinor -= BigInt(cn.netMinor);
    taxMinor -= BigInt(cn.taxMinor);
  }
  return { netMinor, taxMinor, grossMinor: netMinor + taxMinor };
}

export function creditNoteNumber(invoiceNumber: string, ordinal: number): string {
  return `${invoiceNumber}-CN${String(ordinal).padStart(3, '0')}`;
}

/** Invoice lines from the order: the package at the order's net price, bonus credits at zero. */
export function invoiceLinesFromOrder(order: z.infer<typeof confirmedOrderSchema>): InvoiceLine[] {
  const rate = order.taxSnapshot.breakdown[0].ratePercent;
  const lines: InvoiceLine[] = [
    {
      kind: 'credit_package',
      description: order.packageLine.description,
      quantity: 1,
      creditsNanocredits: order.packageLine.creditsNanocredits,
      netMinor: order.taxSnapshot.netMinor,
      ratePercent: rate,
    },
  ];
  if (order.bonusCreditsNanocredits !== '0') {
    lines.push({
      kind: 'bonus_credits',
      description: 'Bonus credits',
      quantity: 1,
      creditsNanocredits: order.bonusCreditsNanocredits,
      netMinor: '0',
      ratePercent: rate,
    });
  }
  return lines;
}

function isoDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

function validTime(iso: string): boolean {
  return typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) && iso.length <= 40;
}

function draft(command: Extract<InvoiceCommand, { type: 'DraftInvoice' }>, state: InvoiceState) {
  if (state.status !== 'none') {
    if (state.drafted?.orderId === command.order.orderId) return []; // same order again: idempotent
    return new DomainError(
      'INVOICE_ALREADY_EXISTS',
      `invoice ${command.invoiceId} exists for another order`,
      {
        invoiceId: command.invoiceId,
        orderId: state.drafted?.orderId,
      },
    );
  }
  const parsedOrder = confirmedOrderSchema.safeParse(command.order);
  if (!parsedOrder.success)
    return new DomainError('INVALID_ORDER', 'confirmed order data is invalid', {
      issues: parsedOrder.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  const parsedSeller = sellerSnapshotSchema.safeParse(command.seller);
  if (!parsedSeller.success)
    return new DomainError('INVALID_SELLER', 'seller details are invalid', {
      issues: parsedSeller.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  if (!validTime(command.draftedAt)) return new DomainError('INVALID_TIME', 'draftedAt is not a timestamp');
  const order = parsedOrder.data;
  const tax = order.taxSnapshot;
  if (!isCurrencyCode(tax.currency))
    return new DomainError('UNKNOWN_CURRENCY', `unknown currency ${tax.currency}`, {
      currency: tax.currency,
    });
  currencyExponent(tax.currency);
  const net = BigInt(tax.netMinor);
  const taxAmount = BigInt(tax.taxMinor);
  if (net + taxAmount !== BigInt(tax.grossMinor))
    return new DomainError('TAX_SNAPSHOT_INCONSISTENT', 'net + tax must equal gross', { tax });
  const breakdownNet = tax.breakdown.reduce((s, b) => s + BigInt(b.netMinor), 0n);
  const breakdownTax = tax.breakdown.reduce((s, b) => s + BigInt(b.taxMinor), 0n);
  if (breakdownNet !== net || breakdownTax !== taxAmount)
    return new DomainError('TAX_SNAPSHOT_INCONSISTENT', 'tax breakdown must add up to net and tax', { tax });
  if (tax.reverseCharge && taxAmount !== 0n)
    return new DomainError('TAX_SNAPSHOT_INCONSISTENT', 'reverse charge invoices carry no tax', { tax });
  const event: InvoiceDrafted = {
    type: 'InvoiceDrafted',
    data: {
      invoiceId: command.invoiceId,
      orderId: order.orderId,
      workspaceId: order.workspaceId,
      accountId: order.accountId,
      seriesId: command.seriesId,
      currency: tax.currency,
      lines: invoiceLinesFromOrder(order),
      tax,
      buyer: order.buyer,
      seller: parsedSeller.data as SellerSnapshot,
      draftedAt: new Date(command.draftedAt).toISOString(),
    },
  };
  return [event];
}

function finalize(command: Extract<InvoiceCommand, { type: 'FinalizeInvoice' }>, state: InvoiceState) {
  if (state.status === 'finalized' || state.status === 'voided') {
    if (state.finalized?.number === command.number) return [];
    return new DomainError('INVOICE_ALREADY_FINALIZED', 'invoice already has another number', {
      invoiceId: command.invoiceId,
      number: state.finalized?.number,
    });
  }
  if (state.status === 'none') return notFound(command.invoiceId);
  const request = state.numberRequest;
  if (
    !request ||
    request.seriesId !== command.seriesId ||
    request.year !== command.year ||
    command.sequence - 1 <= request.afterRevision
  )
    return new DomainError('NUMBER_NOT_REQUESTED', 'the invoice did not request this number', {
      invoiceId: command.invoiceId,
      request,
      sequence: command.sequence,
    });
  if (!validTime(command.finalizedAt))
    return new DomainError('INVALID_TIME', 'finalizedAt is not a timestamp');
  const event: InvoiceFinalized = {
    type: 'InvoiceFinalized',
    data: {
      invoiceId: command.invoiceId,
      number: command.number,
      seriesId: command.seriesId,
      year: command.year,
      sequence: command.sequence,
      issueDate: isoDay(command.finalizedAt),
      finalizedAt: new Date(command.finalizedAt).toISOString(),
    },
  };
  return [event];
}

function issueCreditNote(command: Extract<InvoiceCommand, { type: 'IssueCreditNote' }>, state: InvoiceState) {
  const existing = state.creditNotes.find((cn) => cn.refundId === command.refundId);
  if (existing) {
    if (BigInt(existing.grossMinor) === command.grossMinor) return [];
    return new DomainError('REFUND_ALREADY_CREDITED', 'this refund was credited with another amount', {
      refundId: command.refundId,
      creditNote: existing.number,
    });
  }
  if (state.status === 'none') return notFound(command.invoiceId);
  if (state.status === 'draft')
    return new DomainError('INVOICE_NOT_FINALIZED', 'credit notes need a finalized invoice', {
      invoiceId: command.invoiceId,
    });
  if (state.status === 'voided')
    return new DomainError('INVOICE_VOIDED', 'a voided invoice cannot be credited', {
      invoiceId: command.invoiceId,
    });
  if (command.grossMinor <= 0n)
    return new DomainError('INVALID_AMOUNT', 'a credit note amount must be positive', {
      grossMinor: command.grossMinor.toString(),
    });
  const remainder = creditableRemainder(state);
  if (command.grossMinor > remainder.grossMinor)
    return new DomainError('CREDIT_EXCEEDS_CREDITABLE', 'the amount exceeds what is still creditable', {
      requestedMinor: command.grossMinor.toString(),
      creditableMinor: remainder.grossMinor.toString(),
    });
  if (state.creditNotes.length >= MAX_CREDIT_NOTES_PER_INVOICE)
    return new DomainError('TOO_MANY_CREDIT_NOTES', 'credit note limit reached', {
      invoiceId: command.invoiceId,
    });
  if (!validTime(command.issuedAt)) return new DomainError('INVALID_TIME', 'issuedAt is not a timestamp');
  // Tax follows the remaining net/tax ratio; crediting the full remainder takes it exactly.
  const taxMinor =
    command.grossMinor === remainder.grossMinor
      ? remainder.taxMinor
      : divRoundHalfUp(command.grossMinor * remainder.taxMinor, remainder.grossMinor);
  const finalized = state.finalized as InvoiceFinalized['data'];
  const event: CreditNoteIssued = {
    type: 'CreditNoteIssued',
    data: {
      invoiceId: command.invoiceId,
      creditNoteId: command.creditNoteId,
      number: creditNoteNumber(finalized.number, state.creditNotes.length + 1),
      refundId: command.refundId,
      currency: (state.drafted as InvoiceDrafted['data']).currency,
      netMinor: (command.grossMinor - taxMinor).toString(),
      taxMinor: taxMinor.toString(),
      grossMinor: command.grossMinor.toString(),
      reason: command.reason,
      issueDate: isoDay(command.issuedAt),
      issuedAt: new Date(command.issuedAt).toISOString(),
    },
  };
  return [event];
}

function notFound(invoiceId: string): DomainError {
  return new DomainError('INVOICE_NOT_FOUND', `invoice ${invoiceId} does not exist`, { invoiceId });
}

export function decideInvoice(
  command: InvoiceCommand,
  state: InvoiceState,
): readonly InvoiceEvent[] | DomainError {
  switch (command.type) {
    case 'DraftInvoice':
      return draft(command, state);
    case 'RequestInvoiceNumber': {
      if (state.status === 'none') return notFound(command.invoiceId);
      if (state.status !== 'draft')
        return new DomainError('INVOICE_ALREADY_FINALIZED', 'invoice already has a number', {
          invoiceId: command.invoiceId,
          number: state.finalized?.number,
        });
      if (command.seriesId !== state.drafted?.seriesId)
        return new DomainError('WRONG_SERIES', 'the invoice belongs to another series', {
          seriesId: state.drafted?.seriesId,
        });
      // One request per invoice: a second could let it own two slots.
      if (state.numberRequest) return [];
      if (!Number.isSafeInteger(command.afterRevision) || command.afterRevision < -1)
        return new DomainError('INVALID_REVISION', 'afterRevision must be an integer ≥ -1');
      if (!validTime(command.requestedAt))
        return new DomainError('INVALID_TIME', 'requestedAt is not a timestamp');
      return [
        {
          type: 'InvoiceNumberRequested',
          data: {
            invoiceId: command.invoiceId,
            seriesId: command.seriesId,
            year: command.year,
            afterRevision: command.afterRevision,
            requestedAt: new Date(command.requestedAt).toISOString(),
          },
        },
      ];
    }
    case 'FinalizeInvoice':
      return finalize(command, state);
    case 'VoidInvoice': {
      if (state.status === 'voided') return [];
      if (state.status === 'none') return notFound(command.invoiceId);
      if (state.status === 'draft')
        return new DomainError('INVOICE_NOT_FINALIZED', 'only a finalized invoice can be voided', {
          invoiceId: command.invoiceId,
        });
      if (state.creditNotes.length > 0)
        return new DomainError('INVOICE_HAS_CREDIT_NOTES', 'an invoice with credit notes cannot be voided', {
          invoiceId: command.invoiceId,
        });
      if (!command.reason || command.reason.length > 500)
        return new DomainError('INVALID_REASON', 'a void needs a reason of at most 500 characters');
      if (!validTime(command.voidedAt)) return new DomainError('INVALID_TIME', 'voidedAt is not a timestamp');
      return [
        {
          type: 'InvoiceVoided',
          data: {
            invoiceId: command.invoiceId,
            number: (state.finalized as InvoiceFinalized['data']).number,
            reason: command.reason,
            voidedAt: new Date(command.voidedAt).toISOString(),
          },
        },
      ];
    }
    case 'IssueCreditNote':
      return issueCreditNote(command, state);
    default: {
      const never: never = command;
      throw new Error(`unknown invoice command ${JSON.stringify(never)}`);
    }
  }
}

export function evolveInvoice(state: InvoiceState, event: InvoiceEvent): InvoiceState {
  switch (event.type) {
    case 'InvoiceDrafted':
      return { ...state, status: 'draft', drafted: event.data };
    case 'InvoiceNumberRequested':
      return {
        ...state,
        numberRequest: {
          seriesId: event.data.seriesId,
          year: event.data.year,
          afterRevision: event.data.afterRevision,
        },
      };
    case 'InvoiceFinalized':
      return { ...state, status: 'finalized', finalized: event.data };
    case 'InvoiceVoided':
      return { ...state, status: 'voided', voidReason: event.data.reason };
    case 'CreditNoteIssued':
      return { ...state, creditNotes: [...state.creditNotes, event.data] };
    default: {
      const never: never = event;
      throw new Error(`unknown invoice event ${JSON.stringify(never)}`);
    }
  }
}

export const invoiceDecider: Decider<InvoiceCommand, InvoiceEvent, InvoiceState> = {
  decide: decideInvoice,
  evolve: evolveInvoice,
  initialState: initialInvoiceState,
};
