import { DomainError, type EventStore } from '@tollgate/event-store';
import {
  accountDecider,
  accountStream,
  availableNanocredits,
  parseAccountEvent,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '@tollgate/ledger';
import { handleCommand, loadState } from '../store/command-handler';

/** What settlement needs from the credit ledger. Payment id = order id: one payment per order. */
export interface CreditLedger {
  purchase(input: {
    accountId: string;
    orderId: string;
    amountNanocredits: bigint;
    paidAmountMinor: bigint;
    paidCurrency: string;
    now: Date;
  }): Promise<'credited' | 'already_credited' | DomainError>;
  refund(input: {
    accountId: string;
    orderId: string;
    refundId: string;
    amountNanocredits: bigint;
    reason: string;
    actor: string;
    now: Date;
  }): Promise<'debited' | 'already_debited' | DomainError>;
  /** Credits of this purchase still refundable: bought − refunded − reversed, and never more than available. */
  unconsumedNanocredits(accountId: string, orderId: string): Promise<bigint>;
}

export function purchaseIdempotencyKey(orderId: string): string {
  return `purchase-${orderId}`;
}

/** The ledger's own account decider through the event store (the same loop the ledger's handlers run). */
export class EventStoreCreditLedger implements CreditLedger {
  constructor(private readonly store: EventStore) {}

  private run(accountId: string, command: AccountCommand) {
    return handleCommand<AccountCommand, AccountEvent, AccountState>({
      store: this.store,
      streamId: accountStream(accountId),
      decider: accountDecider,
      parse: parseAccountEvent,
      command,
    });
  }

  async purchase(input: Parameters<CreditLedger['purchase']>[0]) {
    const result = await this.run(input.accountId, {
      type: 'PurchaseCredits',
      accountId: input.accountId,
      idempotencyKey: purchaseIdempotencyKey(input.orderId),
      now: input.now.toISOString(),
      paymentId: input.orderId,
      orderId: input.orderId,
      amountNanocredits: input.amountNanocredits,
      paidAmountMinor: input.paidAmountMinor,
      paidCurrency: input.paidCurrency,
    });
    if (result instanceof DomainError) return result;
    return result.appended.length > 0 ? ('credited' as const) : ('already_credited' as const);
  }

  async refund(input: Parameters<CreditLedger['refund']>[0]) {
    const result = await this.run(input.accountId, {
      type: 'RefundCredits',
      accountId: input.accountId,
      idempotencyKey: `refund-${input.refundId}`,
      now: input.now.toISOString(),
      refundId: input.refundId,
      paymentId: input.orderId,
      amountNanocredits: input.amountNanocredits,
      reason: input.reason,
      actor: input.actor,
    });
    if (result instanceof DomainError) return result;
    return result.appended.length > 0 ? ('debited' as const) : ('already_debited' as const);
  }

  async unconsumedNanocredits(accountId: string, orderId: string): Promise<bigint> {
    const { state } = await loadState(
      this.store,
      accountStream(accountId),
      accountDecider,
      parseAccountEvent,
    );
    if (state.status !== 'open') return 0n;
    const payment = state.payments.get(orderId);
    if (!payment) return 0n;
    const left = payment.purchasedNanocredits - payment.refundedNanocredits - payment.reversedNanocredits;
    const available = availableNanocredits(state.totals);
    const unconsumed = left < available ? left : available;
    return unconsumed > 0n ? unconsumed : 0n;
  }
}
