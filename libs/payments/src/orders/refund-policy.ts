import { z } from 'zod';
import { divRoundHalfUp, percentOfMoney } from '@tollgate/money';
import { percentString } from '../schema';

/**
 * The operator's refund rules, shown with the quote and frozen into the order. Only purchased credits
 * not yet consumed are ever refundable; the fiat amount is the paid gross pro rata to the credits
 * returned, less the kept fee share when `keepFees`.
 */
export const RefundPolicySchema = z.object({
  windowDays: z.number().int().min(0).max(3650),
  unconsumedCreditsOnly: z.literal(true).default(true),
  keepFees: z.boolean(),
  /** Share of each refund the operator keeps when `keepFees` (e.g. card processing "2.9"). */
  feePercent: percentString.default('0'),
});
export type RefundPolicy = z.infer<typeof RefundPolicySchema>;
export type RefundPolicyInput = z.input<typeof RefundPolicySchema>;

export const DEFAULT_REFUND_POLICY: RefundPolicy = Object.freeze({
  windowDays: 14,
  unconsumedCreditsOnly: true,
  keepFees: false,
  feePercent: '0',
});

export function describeRefundPolicy(policy: RefundPolicy): string {
  const window = `within ${policy.windowDays} day${policy.windowDays === 1 ? '' : 's'} of payment`;
  const fees = policy.keepFees && policy.feePercent !== '0' ? `, less a ${policy.feePercent}% fee` : '';
  return `Refunds ${window}, for unconsumed purchased credits only, pro rata to the amount paid${fees}.`;
}

/** Fiat refund for returning `refundNanocredits` of an order that granted `orderNanocredits` for `grossMinor`. */
export function refundAmountMinor(input: {
  policy: RefundPolicy;
  grossMinor: bigint;
  currency: string;
  orderNanocredits: bigint;
  refundNanocredits: bigint;
}): bigint {
  const proRata = divRoundHalfUp(input.grossMinor * input.refundNanocredits, input.orderNanocredits);
  if (!input.policy.keepFees) return proRata;
  const fee = percentOfMoney({ amountMinor: proRata, currency: input.currency }, input.policy.feePercent);
  return proRata - fee.amountMinor;
}
