import { z } from 'zod';
import { isCurrencyCode } from '@tollgate/money';
import {
  commandId,
  commandIdempotencyKey,
  commandNow,
  commandText,
  nonNegativeNanocredits,
  positiveNanocredits,
  signedNanocredits,
} from '../events/command-schema';

/**
 * Commands for the `account-{accountId}` stream. Each carries an idempotency key and `now` (the
 * caller's clock; deciders never read the time themselves). Amounts are bigint nanocredits.
 */
const base = {
  accountId: commandId,
  idempotencyKey: commandIdempotencyKey,
  now: commandNow,
};

/** Longest a lease may live before it must be settled or may be expired. */
export const MAX_LEASE_TTL_MS = 3_600_000;

export const OpenAccountSchema = z.object({
  type: z.literal('OpenAccount'),
  ...base,
  workspaceId: commandId,
  creditCurrency: z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code'),
  overdraftLimitNanocredits: nonNegativeNanocredits,
});

export const PurchaseCreditsSchema = z.object({
  type: z.literal('PurchaseCredits'),
  ...base,
  paymentId: commandId,
  orderId: commandId,
  amountNanocredits: positiveNanocredits,
  paidAmountMinor: z.bigint().nonnegative(),
  paidCurrency: z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code'),
});

export const GrantCreditsSchema = z.object({
  type: z.literal('GrantCredits'),
  ...base,
  grantId: commandId,
  amountNanocredits: positiveNanocredits,
  kind: z.enum(['manual', 'promotional']),
  reason: commandText,
  actor: commandId,
});

export const RefundCreditsSchema = z.object({
  type: z.literal('RefundCredits'),
  ...base,
  refundId: commandId,
  paymentId: commandId,
  amountNanocredits: positiveNanocredits,
  reason: commandText,
  actor: commandId,
});

export const AdjustCreditsSchema = z.object({
  type: z.literal('AdjustCredits'),
  ...base,
  adjustmentId: commandId,
  amountNanocredits: signedNanocredits,
  reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'reason code: UPPER_SNAKE_CASE, 2-64 chars'),
  reference: commandText.optional(),
  reverses: commandId.optional(),
  actor: commandId,
});

export const ChangeOverdraftLimitSchema = z.object({
  type: z.literal('ChangeOverdraftLimit'),
  ...base,
  overdraftLimitNanocredits: nonNegativeNanocredits,
  reason: commandText,
  actor: commandId,
});

export const ReserveLeaseSchema = z.object({
  type: z.literal('ReserveLease'),
  ...base,
  leaseId: commandId,
  holder: commandId,
  amountNanocredits: positiveNanocredits,
  /** The lease expires at now + ttlMs. */
  ttlMs: z.number().int().positive().max(MAX_LEASE_TTL_MS),
});

export const SettleLeaseSchema = z.object({
  type: z.literal('SettleLease'),
  ...base,
  leaseId: commandId,
  holder: commandId,
  /** Σ price of the lease's usage stream (from its UsageStreamClosed). */
  spentNanocredits: nonNegativeNanocredits,
  usageCount: z.number().int().nonnegative(),
});

export const ExpireLeaseSchema = z.object({
  type: z.literal('ExpireLease'),
  ...base,
  leaseId: commandId,
  /** Σ price of the lease's usage stream (from its UsageStreamClosed). */
  spentNanocredits: nonNegativeNanocredits,
  usageCount: z.number().int().nonnegative(),
});

export type OpenAccount = z.infer<typeof OpenAccountSchema>;
export type PurchaseCredits = z.infer<typeof PurchaseCreditsSchema>;
export type GrantCredits = z.infer<typeof GrantCreditsSchema>;
export type RefundCredits = z.infer<typeof RefundCreditsSchema>;
export type AdjustCredits = z.infer<typeof AdjustCreditsSchema>;
export type ChangeOverdraftLimit = z.infer<typeof ChangeOverdraftLimitSchema>;
export type ReserveLease = z.infer<typeof ReserveLeaseSchema>;
export type SettleLease = z.infer<typeof SettleLeaseSchema>;
export type ExpireLease = z.infer<typeof ExpireLeaseSchema>;

export type AccountCommand =
  | OpenAccount
  | PurchaseCredits
  | GrantCredits
  | RefundCredits
  | AdjustCredits
  | ChangeOverdraftLimit
  | ReserveLease
  | SettleLease
  | ExpireLease;

export const AccountCommandSchema = z.discriminatedUnion('type', [
  OpenAccountSchema,
  PurchaseCreditsSchema,
  GrantCreditsSchema,
  RefundCreditsSchema,
  AdjustCreditsSchema,
  ChangeOverdraftLimitSchema,
  ReserveLeaseSchema,
  SettleLeaseSchema,
  ExpireLeaseSchema,
]);
