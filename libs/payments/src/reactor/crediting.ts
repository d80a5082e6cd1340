import type { PaymentConfirmed } from '../orders/events';

/** Pure: the ledger purchase a confirmed order leads to. Ids and time come from the event, so a
 * redelivered event yields the identical (idempotent) command. */
export function purchaseForConfirmedOrder(event: PaymentConfirmed): {
  accountId: string;
  orderId: string;
  amountNanocredits: bigint;
  paidAmountMinor: bigint;
  paidCurrency: string;
  now: Date;
} {
  return {
    accountId: event.accountId,
    orderId: event.orderId,
    amountNanocredits: BigInt(event.creditsNanocredits),
    paidAmountMinor: BigInt(event.amountMinor),
    paidCurrency: event.currency,
    now: new Date(event.confirmedAt),
  };
}
