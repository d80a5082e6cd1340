import { z } from 'zod';
import { CreditPackageSchema } from '../packages/credit-package';
import { BillingProfileSchema } from '../billing-profiles/billing-profile';
import { TaxSnapshotSchema } from '../tax/tax-snapshot';
import { RefundPolicySchema } from './refund-policy';
import {
  currencyCode,
  id,
  idempotencyKey,
  isoTimestamp,
  minorUnitsString,
  nonNegativeMinorString,
  positiveNanocreditsString,
  shortText,
} from '../schema';

export function paymentStream(orderId: string): string {
  return `payment-${orderId}`;
}
export const PAYMENT_STREAM_PREFIX = 'payment-';

export const PROVIDERS = ['stripe', 'sandbox', 'manual'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const keyed = { orderId: id, idempotencyKey, fingerprint: z.string().regex(/^[0-9a-f]{64}$/) };

export const PaymentOrderCreatedSchema = z.object({
  ...keyed,
  workspaceId: id,
  accountId: id,
  /** The package as sold: later catalogue edits never change this order. */
  package: CreditPackageSchema,
  creditsNanocredits: positiveNanocreditsString,
  provider: z.enum(PROVIDERS),
  /** The billing profile as it was when the order was created, and its revision. */
  billingProfile: BillingProfileSchema,
  billingProfileRevision: z.number().int().positive(),
  tax: TaxSnapshotSchema,
  refundPolicy: RefundPolicySchema,
  actor: id,
  createdAt: isoTimestamp,
});

export const CheckoutSessionOpenedSchema = z.object({
  ...keyed,
  provider: z.enum(PROVIDERS),
  sessionId: id,
  url: z.string().max(2000),
  openedAt: isoTimestamp,
});

export const PaymentConfirmedSchema = z.object({
  ...keyed,
  /** Who gets the credits and how many: the crediting reactor needs nothing but this event. */
  workspaceId: id,
  accountId: id,
  creditsNanocredits: positiveNanocreditsString,
  provider: z.enum(PROVIDERS),
  /** Provider event id (or the approval's key for manual orders). */
  providerEventId: id,
  /** Payment intent / bank transfer reference: what a refund is made against. */
  providerPaymentId: id,
  amountMinor: nonNegativeMinorString,
  currency: currencyCode,
  confirmedAt: isoTimestamp,
  /** The order as frozen at creation, so downstream reactors (invoicing) need only this event. */
  order: z.object({
    package: CreditPackageSchema,
    billingProfile: BillingProfileSchema,
    billingProfileRevision: z.number().int().positive(),
    tax: TaxSnapshotSchema,
  }),
});

export const ManualPaymentApprovedSchema = z.object({
  ...keyed,
  paymentReference: shortText,
  actor: id,
  approvedAt: isoTimestamp,
});

export const ManualPaymentRejectedSchema = z.object({
  ...keyed,
  reason: shortText,
  actor: id,
  rejectedAt: isoTimestamp,
});

export const PaymentFailedSchema = z.object({
  ...keyed,
  providerEventId: id,
  reason: shortText,
  failedAt: isoTimestamp,
});

export const CheckoutExpiredSchema = z.object({
  ...keyed,
  providerEventId: id,
  expiredAt: isoTimestamp,
});

export const PaymentOrderCancelledSchema = z.object({
  ...keyed,
  reason: shortText,
  actor: id,
  cancelledAt: isoTimestamp,
});

export const REVIEW_REASONS = [
  'AMOUNT_MISMATCH',
  'CURRENCY_MISMATCH',
  'PAYMENT_AFTER_CLOSE',
  'PAYMENT_NOT_PAID',
  'PROVIDER_REFUND_UNMATCHED',
  /** The ledger refused the purchase (e.g. no account, currency mismatch): paid but not credited. */
  'CREDITING_REJECTED',
] as const;

export const OrderFlaggedForReviewSchema = z.object({
  ...keyed,
  reason: z.enum(REVIEW_REASONS),
  providerEventId: id,
  expectedAmountMinor: minorUnitsString.optional(),
  expectedCurrency: currencyCode.optional(),
  receivedAmountMinor: minorUnitsString.optional(),
  receivedCurrency: z.string().max(10).optional(),
  flaggedAt: isoTimestamp,
});

export const RefundRequestedSchema = z.object({
  ...keyed,
  refundId: id,
  amountMinor: nonNegativeMinorString,
  currency: currencyCode,
  creditsNanocredits: positiveNanocreditsString,
  reason: shortText,
  actor: id,
  requestedAt: isoTimestamp,
});

export const PaymentRefundedSchema = z.object({
  ...keyed,
  refundId: id,
  providerRefundId: id,
  amountMinor: nonNegativeMinorString,
  currency: currencyCode,
  creditsNanocredits: positiveNanocreditsString,
  reason: shortText,
  refundedAt: isoTimestamp,
});

export const RefundFailedSchema = z.object({
  ...keyed,
  refundId: id,
  reason: shortText,
  failedAt: isoTimestamp,
});

export type PaymentOrderCreated = z.infer<typeof PaymentOrderCreatedSchema>;
export type CheckoutSessionOpened = z.infer<typeof CheckoutSessionOpenedSchema>;
export type PaymentConfirmed = z.infer<typeof PaymentConfirmedSchema>;
export type ManualPaymentApproved = z.infer<typeof ManualPaymentApprovedSchema>;
export type ManualPaymentRejected = z.infer<typeof ManualPaymentRejectedSchema>;
export type PaymentFailed = z.infer<typeof PaymentFailedSchema>;
export type CheckoutExpired = z.infer<typeof CheckoutExpiredSchema>;
export type PaymentOrderCancelled = z.infer<typeof PaymentOrderCancelledSchema>;
export type OrderFlaggedForReview = z.infer<typeof OrderFlaggedForReviewSchema>;
export type RefundRequested = z.infer<typeof RefundRequestedSchema>;
export type PaymentRefunded = z.infer<typeof PaymentRefundedSchema>;
export type RefundFailed = z.infer<typeof RefundFailedSchema>;

export type PaymentEvent =
  | { type: 'PaymentOrderCreated'; data: PaymentOrderCreated }
  | { type: 'CheckoutSessionOpened'; data: CheckoutSessionOpened }
  | { type: 'PaymentConfirmed'; data: PaymentConfirmed }
  | { type: 'ManualPaymentApproved'; data: ManualPaymentApproved }
  | { type: 'ManualPaymentRejected'; data: ManualPaymentRejected }
  | { type: 'PaymentFailed'; data: PaymentFailed }
  | { type: 'CheckoutExpired'; data: CheckoutExpired }
  | { type: 'PaymentOrderCancelled'; data: PaymentOrderCancelled }
  | { type: 'OrderFlaggedForReview'; data: OrderFlaggedForReview }
  | { type: 'RefundRequested'; data: RefundRequested }
  | { type: 'PaymentRefunded'; data: PaymentRefunded }
  | { type: 'RefundFailed'; data: RefundFailed };

export type PaymentEventType = PaymentEvent['type'];

export const PAYMENT_EVENT_SCHEMAS: { [K in PaymentEventType]: z.ZodType } = {
  PaymentOrderCreated: PaymentOrderCreatedSchema,
  CheckoutSessionOpened: CheckoutSessionOpenedSchema,
  PaymentConfirmed: PaymentConfirmedSchema,
  ManualPaymentApproved: ManualPaymentApprovedSchema,
  ManualPaymentRejected: ManualPaymentRejectedSchema,
  PaymentFailed: PaymentFailedSchema,
  CheckoutExpired: CheckoutExpiredSchema,
  PaymentOrderCancelled: PaymentOrderCancelledSchema,
  OrderFlaggedForReview: OrderFlaggedForReviewSchema,
  RefundRequested: RefundRequestedSchema,
  PaymentRefunded: PaymentRefundedSchema,
  RefundFailed: RefundFailedSchema,
};

/** Validates a stored payment event; other types → null. */
export function parsePaymentEvent(type: string, data: unknown): PaymentEvent | null {
  if (!Object.prototype.hasOwnProperty.call(PAYMENT_EVENT_SCHEMAS, type)) return null;
  const schema = PAYMENT_EVENT_SCHEMAS[type as PaymentEventType];
  return { type, data: schema.parse(data) } as PaymentEvent;
}
