import { z } from 'zod';
import { billingProfileSnapshotSchema, sellerSnapshotSchema, taxSnapshotSchema } from './inputs';

const nonNegative = z.string().regex(/^(0|[1-9]\d{0,30})$/, 'non-negative integer string');
const isoTime = z.iso.datetime();

export const invoiceLineSchema = z.object({
  kind: z.enum(['credit_package', 'bonus_credits']),
  description: z.string().min(1).max(300),
  quantity: z.number().int().min(1).max(1_000_000),
  creditsNanocredits: nonNegative,
  /** Net amount of the line in minor units (bonus credits are free: "0"). */
  netMinor: nonNegative,
  ratePercent: z.string().regex(/^\d{1,3}(\.\d{1,4})?$/),
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

export const invoiceDraftedSchema = z.object({
  invoiceId: z.string().min(1).max(100),
  orderId: z.string().min(1).max(100),
  workspaceId: z.string().min(1).max(100),
  accountId: z.string().min(1).max(100),
  seriesId: z.string().min(1).max(20),
  currency: z.string().regex(/^[A-Z]{3}$/),
  lines: z.array(invoiceLineSchema).min(1).max(50),
  tax: taxSnapshotSchema,
  buyer: billingProfileSnapshotSchema,
  seller: sellerSnapshotSchema,
  draftedAt: isoTime,
});

/**
 * The invoice asks for a number of this series/year. `afterRevision` is the sequence stream's last
 * revision before the request (-1: empty): any slot this invoice fills lies after it, so a retry or
 * recovery finds it by scanning from there (see numbering in invoice-service.ts).
 */
export const invoiceNumberRequestedSchema = z.object({
  invoiceId: z.string().min(1).max(100),
  seriesId: z.string().min(1).max(20),
  year: z.number().int().min(2000).max(9999),
  afterRevision: z.number().int().min(-1),
  requestedAt: isoTime,
});

export const invoiceFinalizedSchema = z.object({
  invoiceId: z.string().min(1).max(100),
  number: z.string().min(1).max(60),
  seriesId: z.string().min(1).max(20),
  year: z.number().int().min(2000).max(9999),
  sequence: z.number().int().min(1),
  /** Issue date (YYYY-MM-DD, UTC) printed on the invoice. */
  issueDate: z.iso.date(),
  finalizedAt: isoTime,
});

export const invoiceVoidedSchema = z.object({
  invoiceId: z.string().min(1).max(100),
  number: z.string().min(1).max(60),
  reason: z.string().min(1).max(500),
  voidedAt: isoTime,
});

export const creditNoteIssuedSchema = z.object({
  invoiceId: z.string().min(1).max(100),
  creditNoteId: z.string().min(1).max(100),
  /** `{invoice number}-CN{nnn}`. */
  number: z.string().min(1).max(70),
  refundId: z.string().min(1).max(100),
  currency: z.string().regex(/^[A-Z]{3}$/),
  netMinor: nonNegative,
  taxMinor: nonNegative,
  grossMinor: nonNegative,
  reason: z.string().max(500).nullable(),
  issueDate: z.iso.date(),
  issuedAt: isoTime,
});

export type InvoiceDrafted = { type: 'InvoiceDrafted'; data: z.infer<typeof invoiceDraftedSchema> };
export type InvoiceNumberRequested = {
  type: 'InvoiceNumberRequested';
  data: z.infer<typeof invoiceNumberRequestedSchema>;
};
export type InvoiceFinalized = { type: 'InvoiceFinalized'; data: z.infer<typeof invoiceFinalizedSchema> };
export type InvoiceVoided = { type: 'InvoiceVoided'; data: z.infer<typeof invoiceVoidedSchema> };
export type CreditNoteIssued = { type: 'CreditNoteIssued'; data: z.infer<typeof creditNoteIssuedSchema> };

/** Every event of an `invoice-{id}` stream. */
export type InvoiceEvent =
  InvoiceDrafted | InvoiceNumberRequested | InvoiceFinalized | InvoiceVoided | CreditNoteIssued;
export type InvoiceEventType = InvoiceEvent['type'];

const schemas = {
  InvoiceDrafted: invoiceDraftedSchema,
  InvoiceNumberRequested: invoiceNumberRequestedSchema,
  InvoiceFinalized: invoiceFinalizedSchema,
  InvoiceVoided: invoiceVoidedSchema,
  CreditNoteIssued: creditNoteIssuedSchema,
} as const;

export const INVOICE_EVENT_TYPES: readonly InvoiceEventType[] = Object.keys(schemas) as InvoiceEventType[];

export function isInvoiceEventType(type: string): type is InvoiceEventType {
  return Object.prototype.hasOwnProperty.call(schemas, type);
}

/** Validates a stored event; null for a type that is not an invoice event; throws on a malformed one. */
export function decodeInvoiceEvent(type: string, data: unknown): InvoiceEvent | null {
  if (!isInvoiceEventType(type)) return null;
  return { type, data: schemas[type].parse(data) } as InvoiceEvent;
}

/** For `handleCommand`: an invoice stream holds only invoice events, anything else is corruption. */
export function parseInvoiceEvent(recorded: { type: string; data: unknown; streamId: string }): InvoiceEvent {
  const event = decodeInvoiceEvent(recorded.type, recorded.data);
  if (!event) throw new Error(`${recorded.streamId}: unexpected event type ${recorded.type}`);
  return event;
}

export const INVOICE_STREAM_PREFIX = 'invoice-';

export function invoiceStreamId(invoiceId: string): string {
  return `${INVOICE_STREAM_PREFIX}${invoiceId}`;
}
