import { z } from 'zod';

/**
 * What invoicing needs from a confirmed payment order, handed over explicitly so this lib does not
 * depend on libs/payments' internals. Amounts are integer minor-unit / nanocredit strings, as in events.
 */

const minor = z.string().regex(/^(0|-?[1-9]\d{0,30})$/, 'integer string');
const nonNegative = z.string().regex(/^(0|[1-9]\d{0,30})$/, 'non-negative integer string');
const shortText = (max: number) => z.string().min(1).max(max);

/** The buyer's billing profile as it was when the order was placed. */
export const billingProfileSnapshotSchema = z.object({
  legalName: shortText(200),
  addressLines: z.array(z.string().max(200)).max(6),
  postalCode: z.string().max(20).nullable().default(null),
  city: z.string().max(100).nullable().default(null),
  /** ISO 3166-1 alpha-2. */
  country: z.string().regex(/^[A-Z]{2}$/),
  vatId: z.string().max(40).nullable().default(null),
  email: z.string().max(320).nullable().default(null),
});
export type BillingProfileSnapshot = z.infer<typeof billingProfileSnapshotSchema>;

/** The operator (seller) as configured when the invoice was drafted; frozen into the invoice. */
export const sellerSnapshotSchema = z.object({
  legalName: shortText(200),
  addressLines: z.array(z.string().max(200)).max(6),
  postalCode: z.string().max(20).nullable().default(null),
  city: z.string().max(100).nullable().default(null),
  country: z.string().regex(/^[A-Z]{2}$/),
  vatId: z.string().max(40).nullable().default(null),
  email: z.string().max(320).nullable().default(null),
  /** Free legal text printed in the footer (registration number, bank details). */
  footer: z.string().max(1000).nullable().default(null),
});
export type SellerSnapshot = z.infer<typeof sellerSnapshotSchema>;

/** One tax rate's share of the order: net base and tax, both in minor units. */
export const taxBreakdownLineSchema = z.object({
  label: shortText(80),
  /** Decimal percentage text, e.g. "19" or "7.5"; "0" under reverse charge. */
  ratePercent: z.string().regex(/^\d{1,3}(\.\d{1,4})?$/),
  netMinor: nonNegative,
  taxMinor: nonNegative,
});
export type TaxBreakdownLine = z.infer<typeof taxBreakdownLineSchema>;

/** The order's frozen tax snapshot: what the customer saw and paid. */
export const taxSnapshotSchema = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/),
  netMinor: nonNegative,
  taxMinor: nonNegative,
  grossMinor: nonNegative,
  breakdown: z.array(taxBreakdownLineSchema).min(1).max(10),
  reverseCharge: z.boolean(),
  /** Legal note printed on the invoice, e.g. "Reverse charge: VAT to be accounted for by the recipient". */
  legalNote: z.string().max(1000).nullable().default(null),
});
export type TaxSnapshot = z.infer<typeof taxSnapshotSchema>;

/** The credit package bought. */
export const packageLineInputSchema = z.object({
  packageId: shortText(100),
  description: shortText(300),
  creditsNanocredits: nonNegative,
});
export type PackageLineInput = z.infer<typeof packageLineInputSchema>;

/**
 * Everything needed to draft an invoice from a confirmed payment order. Integrator mapping from
 * libs/payments: order id → orderId, order workspace/account → workspaceId/accountId, the package →
 * packageLine, bonus credits → bonusCreditsNanocredits, the order's frozen tax snapshot → taxSnapshot,
 * the billing profile snapshot stored on the order → buyer, confirmation time → issuedAt.
 */
export const confirmedOrderSchema = z.object({
  orderId: shortText(100),
  workspaceId: shortText(100),
  accountId: shortText(100),
  packageLine: packageLineInputSchema,
  bonusCreditsNanocredits: nonNegative,
  taxSnapshot: taxSnapshotSchema,
  buyer: billingProfileSnapshotSchema,
  /** ISO timestamp of the confirmation; the invoice's issue date. */
  confirmedAt: z.iso.datetime(),
});
export type ConfirmedOrder = z.input<typeof confirmedOrderSchema>;

export const refundedOrderSchema = z.object({
  orderId: shortText(100),
  refundId: shortText(100),
  /** Refunded gross amount in minor units of the order's currency. */
  grossMinor: nonNegative,
  reason: z.string().max(500).nullable().default(null),
  refundedAt: z.iso.datetime(),
});
export type RefundedOrder = z.input<typeof refundedOrderSchema>;

export { minor as minorUnitsString };
