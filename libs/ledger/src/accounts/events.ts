import { z } from 'zod';
import {
  createEventParser,
  currencyCode,
  eventVersion,
  fingerprint,
  id,
  idempotencyKey,
  isoTimestamp,
  minorUnitsString,
  nanocreditsString,
  nonNegativeNanocreditsString,
  positiveNanocreditsString,
  shortText,
  UpcasterMap,
} from '../events/schema';

/**
 * Events of the `account-{accountId}` stream. Every payload carries the command's idempotency key and
 * the sha256 fingerprint of its significant data, so a replay rebuilds the idempotency record.
 * All amounts are integer nanocredit strings.
 */
const base = {
  accountId: id,
  idempotencyKey,
  fingerprint,
  eventVersion,
};

export const AccountOpenedSchema = z.object({
  ...base,
  workspaceId: id,
  /** ISO fiat currency the account's credits are sold in. */
  creditCurrency: currencyCode,
  overdraftLimitNanocredits: nonNegativeNanocreditsString,
  openedAt: isoTimestamp,
});

export const CreditsPurchasedSchema = z.object({
  ...base,
  /** The settled payment; credited exactly once per payment id. */
  paymentId: id,
  orderId: id,
  amountNanocredits: positiveNanocreditsString,
  /** What the customer paid (gross, minor units of `paidCurrency` = the account's credit currency). */
  paidAmountMinor: minorUnitsString,
  paidCurrency: currencyCode,
  purchasedAt: isoTimestamp,
});

export const CreditsGrantedSchema = z.object({
  ...base,
  grantId: id,
  amountNanocredits: positiveNanocreditsString,
  kind: z.enum(['manual', 'promotional']),
  reason: shortText,
  actor: id,
  grantedAt: isoTimestamp,
});

export const CreditsRefundedSchema = z.object({
  ...base,
  refundId: id,
  /** The purchase being refunded; refunds only debit that payment's unconsumed credits. */
  paymentId: id,
  amountNanocredits: positiveNanocreditsString,
  reason: shortText,
  actor: id,
  refundedAt: isoTimestamp,
});

export const CreditsAdjustedSchema = z.object({
  ...base,
  adjustmentId: id,
  /** Signed and never zero: positive credits the account, negative debits it. */
  amountNanocredits: nanocreditsString.refine((s) => s !== '0', 'adjustment must not be zero'),
  reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
  reference: shortText.optional(),
  /** Id of the grant, adjustment or purchase (payment id) this entry reverses. */
  reverses: id.optional(),
  actor: id,
  adjustedAt: isoTimestamp,
});

export const OverdraftLimitChangedSchema = z.object({
  ...base,
  overdraftLimitNanocredits: nonNegativeNanocreditsString,
  previousOverdraftLimitNanocredits: nonNegativeNanocreditsString,
  reason: shortText,
  actor: id,
  changedAt: isoTimestamp,
});

export const CreditLeaseReservedSchema = z.object({
  ...base,
  leaseId: id,
  /** Gateway instance id; only the holder records usage for and settles this lease. */
  holder: id,
  amountNanocredits: positiveNanocreditsString,
  expiresAt: isoTimestamp,
  reservedAt: isoTimestamp,
});

export const CreditLeaseSettledSchema = z.object({
  ...base,
  leaseId: id,
  spentNanocredits: nonNegativeNanocreditsString,
  releasedNanocredits: nonNegativeNanocreditsString,
  usageCount: z.number().int().nonnegative(),
  settledAt: isoTimestamp,
});

export const CreditLeaseExpiredSchema = z.object({
  ...base,
  leaseId: id,
  spentNanocredits: nonNegativeNanocreditsString,
  releasedNanocredits: nonNegativeNanocreditsString,
  usageCount: z.number().int().nonnegative(),
  expiredAt: isoTimestamp,
});

export type AccountOpened = z.infer<typeof AccountOpenedSchema>;
export type CreditsPurchased = z.infer<typeof CreditsPurchasedSchema>;
export type CreditsGranted = z.infer<typeof CreditsGrantedSchema>;
export type CreditsRefunded = z.infer<typeof CreditsRefundedSchema>;
export type CreditsAdjusted = z.infer<typeof CreditsAdjustedSchema>;
export type OverdraftLimitChanged = z.infer<typeof OverdraftLimitChangedSchema>;
export type CreditLeaseReserved = z.infer<typeof CreditLeaseReservedSchema>;
export type CreditLeaseSettled = z.infer<typeof CreditLeaseSettledSchema>;
export type CreditLeaseExpired = z.infer<typeof CreditLeaseExpiredSchema>;

export type AccountEvent =
  | { type: 'AccountOpened'; data: AccountOpened }
  | { type: 'CreditsPurchased'; data: CreditsPurchased }
  | { type: 'CreditsGranted'; data: CreditsGranted }
  | { type: 'CreditsRefunded'; data: CreditsRefunded }
  | { type: 'CreditsAdjusted'; data: CreditsAdjusted }
  | { type: 'OverdraftLimitChanged'; data: OverdraftLimitChanged }
  | { type: 'CreditLeaseReserved'; data: CreditLeaseReserved }
  | { type: 'CreditLeaseSettled'; data: CreditLeaseSettled }
  | { type: 'CreditLeaseExpired'; data: CreditLeaseExpired };

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_SCHEMAS: { [K in AccountEventType]: z.ZodType } = {
  AccountOpened: AccountOpenedSchema,
  CreditsPurchased: CreditsPurchasedSchema,
  CreditsGranted: CreditsGrantedSchema,
  CreditsRefunded: CreditsRefundedSchema,
  CreditsAdjusted: CreditsAdjustedSchema,
  OverdraftLimitChanged: OverdraftLimitChangedSchema,
  CreditLeaseReserved: CreditLeaseReservedSchema,
  CreditLeaseSettled: CreditLeaseSettledSchema,
  CreditLeaseExpired: CreditLeaseExpiredSchema,
};

export const ACCOUNT_EVENT_TYPES = Object.keys(ACCOUNT_EVENT_SCHEMAS) as AccountEventType[];

/** Current payload version per type (absent = 1). */
export const ACCOUNT_EVENT_VERSIONS: Partial<Record<AccountEventType, number>> = {};

/** Upcasters for old payload versions: type → fromVersion → fn. Empty until a payload changes. */
export const ACCOUNT_EVENT_UPCASTERS: UpcasterMap = {};

/**
 * Validates (and upcasts) an account-stream event. Returns null for types that are not account events;
 * throws MalformedEventError for a known type whose data does not match its schema.
 */
export const parseAccountEvent: (type: string, data: unknown) => AccountEvent | null =
  createEventParser<AccountEvent>(ACCOUNT_EVENT_SCHEMAS, ACCOUNT_EVENT_VERSIONS, ACCOUNT_EVENT_UPCASTERS);

export function isAccountEventType(type: string): type is AccountEventType {
  return Object.prototype.hasOwnProperty.call(ACCOUNT_EVENT_SCHEMAS, type);
}
