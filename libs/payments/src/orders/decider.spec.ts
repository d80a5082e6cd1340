import { DomainError } from '@tollgate/event-store';
import { DeciderSpecification } from '@tollgate/ledger';
import { parseCredits } from '@tollgate/money';
import { createOrderCommand, T0 } from '../testing/fixtures';
import type { PaymentCommand } from './commands';
import { paymentDecider } from './decider';
import { parsePaymentEvent, type PaymentEvent } from './events';

const spec = DeciderSpecification(paymentDecider, { parse: parsePaymentEvent });
const later = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;

/** Runs commands through the decider, collecting the events (the "given" history). */
function history(...commands: PaymentCommand[]): PaymentEvent[] {
  let state = paymentDecider.initialState();
  const out: PaymentEvent[] = [];
  for (const c of commands) {
    const r = paymentDecider.decide(c, state);
    if (r instanceof DomainError) throw r;
    for (const e of r) {
      state = paymentDecider.evolve(state, e);
      out.push(e);
    }
  }
  return out;
}

// Team: 50.00 USD net + 19 % = 59.50 gross, 52.5 credits.
const created = createOrderCommand();
const open: PaymentCommand = {
  type: 'OpenCheckoutSession',
  orderId: 'order-1',
  idempotencyKey: 'cs-1',
  now: later(1000),
  provider: 'stripe',
  sessionId: 'cs_test_1',
  url: 'https://checkout.test/cs_test_1',
};
const confirm = (
  over: Partial<Extract<PaymentCommand, { type: 'ConfirmPayment' }>> = {},
): PaymentCommand => ({
  type: 'ConfirmPayment',
  orderId: 'order-1',
  idempotencyKey: 'evt_1',
  now: later(2000),
  provider: 'stripe',
  providerEventId: 'evt_1',
  providerPaymentId: 'pi_1',
  amountMinor: 5950n,
  currency: 'usd',
  paid: true,
  ...over,
});
const refund = (over: Partial<Extract<PaymentCommand, { type: 'RequestRefund' }>> = {}): PaymentCommand => ({
  type: 'RequestRefund',
  orderId: 'order-1',
  idempotencyKey: 'rr-1',
  now: later(DAY),
  refundId: 'refund-1',
  unconsumedNanocredits: parseCredits('52.5'),
  reason: 'customer request',
  actor: 'admin-1',
  ...over,
});

describe('payment order decider', () => {
  it('given nothing, when an order is created, then PaymentOrderCreated freezes package, profile, tax and policy', () => {
    const [e] = spec.given([]).when(created).thenTypes(['PaymentOrderCreated']);
    expect(e.data).toMatchObject({
      creditsNanocredits: parseCredits('52.5').toString(),
      tax: { netMinor: '5000', taxMinor: '950', grossMinor: '5950', ratePercent: '19' },
      billingProfileRevision: 1,
      refundPolicy: { windowDays: 14 },
    });
  });

  it('given a created order, when the same create is retried with the same key, then nothing happens', () => {
    spec
      .given(history(created))
      .when({ ...created, now: later(5000) })
      .thenNothing();
  });

  it('given a created order, when the key is reused for another package, then IDEMPOTENCY_CONFLICT', () => {
    spec
      .given(history(created))
      .when(createOrderCommand({ packageId: 'scale' }))
      .thenThrows('IDEMPOTENCY_CONFLICT');
  });

  it('given an open checkout, when a paid webhook with the right amount arrives, then PaymentConfirmed with the account and credits', () => {
    const [e] = spec.given(history(created, open)).when(confirm()).thenTypes(['PaymentConfirmed']);
    expect(e.data).toMatchObject({
      accountId: 'acc-1',
      amountMinor: '5950',
      currency: 'USD',
      creditsNanocredits: parseCredits('52.5').toString(),
      providerPaymentId: 'pi_1',
    });
  });

  it('given a confirmed order, when the same event is delivered again, then nothing happens', () => {
    spec
      .given(history(created, open, confirm()))
      .when(confirm({ now: later(9000) }))
      .thenNothing();
  });

  it('given a confirmed order, when a different completion event arrives, then nothing happens', () => {
    spec
      .given(history(created, open, confirm()))
      .when(confirm({ idempotencyKey: 'evt_2', providerEventId: 'evt_2' }))
      .thenNothing();
  });

  it('given an open checkout, when the paid amount differs, then the order is flagged for review and not confirmed', () => {
    const [e] = spec
      .given(history(created, open))
      .when(confirm({ amountMinor: 100n }))
      .thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toMatchObject({
      reason: 'AMOUNT_MISMATCH',
      expectedAmountMinor: '5950',
      receivedAmountMinor: '100',
    });
  });

  it('given an open checkout, when the currency differs, then CURRENCY_MISMATCH is flagged', () => {
    const [e] = spec
      .given(history(created, open))
      .when(confirm({ currency: 'eur' }))
      .thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toHaveProperty('reason', 'CURRENCY_MISMATCH');
  });

  it('given an open checkout, when an unpaid completion arrives, then PAYMENT_NOT_PAID is flagged', () => {
    const [e] = spec
      .given(history(created, open))
      .when(confirm({ paid: false }))
      .thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toHaveProperty('reason', 'PAYMENT_NOT_PAID');
  });

  it('given an open checkout, when the session expires, then CheckoutExpired; a later payment is flagged, not credited', () => {
    const expire: PaymentCommand = {
      type: 'ExpireCheckout',
      orderId: 'order-1',
      idempotencyKey: 'evt_x',
      now: later(3000),
      providerEventId: 'evt_x',
    };
    spec.given(history(created, open)).when(expire).thenTypes(['CheckoutExpired']);
    const [e] = spec
      .given(history(created, open, expire))
      .when(confirm())
      .thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toHaveProperty('reason', 'PAYMENT_AFTER_CLOSE');
  });

  it('given a confirmed order, when an expiry arrives late, then nothing happens', () => {
    spec
      .given(history(created, open, confirm()))
      .when({
        type: 'ExpireCheckout',
        orderId: 'order-1',
        idempotencyKey: 'evt_x',
        now: later(3000),
        providerEventId: 'evt_x',
      })
      .thenNothing();
  });

  it('given no order, when a webhook confirms it, then ORDER_NOT_FOUND', () => {
    spec.given([]).when(confirm()).thenThrows('ORDER_NOT_FOUND');
  });

  it('given a manual order, when an admin approves it with a reference, then approval and confirmation', () => {
    const manual = createOrderCommand({ packageId: 'enterprise' });
    const events = spec
      .given(history(manual))
      .when({
        type: 'ApproveManualPayment',
        orderId: 'order-1',
        idempotencyKey: 'ap-1',
        now: later(DAY),
        paymentReference: 'BANK-2026-001',
        actor: 'admin-1',
      })
      .thenTypes(['ManualPaymentApproved', 'PaymentConfirmed']);
    expect(events[1].data).toMatchObject({
      provider: 'manual',
      providerPaymentId: 'BANK-2026-001',
      amountMinor: '595000',
    });
  });

  it('given a manual order, when a provider webhook tries to confirm it, then ORDER_IS_MANUAL', () => {
    spec
      .given(history(createOrderCommand({ packageId: 'enterprise' })))
      .when(confirm())
      .thenThrows('ORDER_IS_MANUAL');
  });

  it('given a checkout order, when an admin approves it manually, then ORDER_NOT_MANUAL', () => {
    spec
      .given(history(created))
      .when({
        type: 'ApproveManualPayment',
        orderId: 'order-1',
        idempotencyKey: 'ap-1',
        now: later(DAY),
        paymentReference: 'X',
        actor: 'a',
      })
      .thenThrows('ORDER_NOT_MANUAL');
  });

  it('given a manual order, when rejected, then ManualPaymentRejected; approving afterwards is refused', () => {
    const reject: PaymentCommand = {
      type: 'RejectManualPayment',
      orderId: 'order-1',
      idempotencyKey: 'rj-1',
      now: later(DAY),
      reason: 'no transfer',
      actor: 'a',
    };
    const manual = createOrderCommand({ packageId: 'enterprise' });
    spec.given(history(manual)).when(reject).thenTypes(['ManualPaymentRejected']);
    spec
      .given(history(manual, reject))
      .when({
        type: 'ApproveManualPayment',
        orderId: 'order-1',
        idempotencyKey: 'ap-1',
        now: later(DAY),
        paymentReference: 'X',
        actor: 'a',
      })
      .thenThrows('ORDER_NOT_OPEN');
  });

  it('given a confirmed order, when half the credits are refunded, then RefundRequested for half the gross', () => {
    const [e] = spec
      .given(history(created, open, confirm()))
      .when(refund({ creditsNanocredits: parseCredits('26.25') }))
      .thenTypes(['RefundRequested']);
    expect(e.data).toMatchObject({
      amountMinor: '2975',
      creditsNanocredits: parseCredits('26.25').toString(),
    });
  });

  it('given 30 of 52.5 credits spent, when a full refund is requested, then only the unconsumed 22.5 credits are refunded', () => {
    const [e] = spec
      .given(history(created, open, confirm()))
      .when(refund({ unconsumedNanocredits: parseCredits('22.5') }))
      .thenTypes(['RefundRequested']);
    // 59.50 × 22.5 / 52.5 = 25.50
    expect(e.data).toMatchObject({
      amountMinor: '2550',
      creditsNanocredits: parseCredits('22.5').toString(),
    });
  });

  it('given credits were spent, when more than the unconsumed credits are requested, then REFUND_EXCEEDS_UNCONSUMED', () => {
    spec
      .given(history(created, open, confirm()))
      .when(refund({ creditsNanocredits: parseCredits('30'), unconsumedNanocredits: parseCredits('22.5') }))
      .thenThrows('REFUND_EXCEEDS_UNCONSUMED');
  });

  it('given all credits spent, when a refund is requested, then REFUND_EXCEEDS_UNCONSUMED', () => {
    spec
      .given(history(created, open, confirm()))
      .when(refund({ unconsumedNanocredits: 0n }))
      .thenThrows('REFUND_EXCEEDS_UNCONSUMED');
  });

  it('given the refund window has closed, when a refund is requested, then REFUND_WINDOW_CLOSED', () => {
    spec
      .given(history(created, open, confirm()))
      .when(refund({ now: later(15 * DAY) }))
      .thenThrows('REFUND_WINDOW_CLOSED');
  });

  it('given a policy that keeps a 3 % fee, when refunding everything, then the fee is withheld', () => {
    const withFee = createOrderCommand({
      refundPolicy: { windowDays: 14, unconsumedCreditsOnly: true, keepFees: true, feePercent: '3' },
    });
    const [e] = spec
      .given(history(withFee, open, confirm()))
      .when(refund())
      .thenTypes(['RefundRequested']);
    // 5950 − 3 % (178.5 → 179) = 5771
    expect(e.data).toHaveProperty('amountMinor', '5771');
  });

  it('given a requested refund, when completed, then PaymentRefunded; a second completion does nothing', () => {
    const complete: PaymentCommand = {
      type: 'CompleteRefund',
      orderId: 'order-1',
      idempotencyKey: 'rc-1',
      now: later(DAY),
      refundId: 'refund-1',
      providerRefundId: 're_1',
    };
    const given = history(created, open, confirm(), refund());
    const [e] = spec.given(given).when(complete).thenTypes(['PaymentRefunded']);
    expect(e.data).toMatchObject({ amountMinor: '5950', providerRefundId: 're_1' });
    spec
      .given([...given, e])
      .when({ ...complete, idempotencyKey: 'rc-2' })
      .thenNothing();
  });

  it('given a fully refunded order, when its payment webhook is redelivered, then nothing happens', () => {
    const given = history(created, open, confirm(), refund(), {
      type: 'CompleteRefund',
      orderId: 'order-1',
      idempotencyKey: 'rc-1',
      now: later(DAY),
      refundId: 'refund-1',
      providerRefundId: 're_1',
    });
    spec
      .given(given)
      .when(confirm({ idempotencyKey: 'evt_9', providerEventId: 'evt_9' }))
      .thenNothing();
    spec
      .given(given)
      .when(refund({ refundId: 'refund-2', idempotencyKey: 'rr-2' }))
      .thenThrows('ORDER_NOT_CONFIRMED');
  });

  it('given a half refund, when the rest is requested, then only the remaining credits are refundable', () => {
    const given = history(created, open, confirm(), refund({ creditsNanocredits: parseCredits('26.25') }));
    spec
      .given(given)
      .when(refund({ refundId: 'refund-2', idempotencyKey: 'rr-2', creditsNanocredits: parseCredits('30') }))
      .thenThrows('REFUND_EXCEEDS_REFUNDABLE');
  });

  it('given our own refund of 29.75, when the provider reports 29.75 refunded in total, then nothing happens', () => {
    const given = history(created, open, confirm(), refund({ creditsNanocredits: parseCredits('26.25') }));
    spec
      .given(given)
      .when({
        type: 'ReconcileProviderRefunds',
        orderId: 'order-1',
        idempotencyKey: 'evt_r',
        now: later(DAY),
        providerEventId: 'evt_r',
        amountRefundedTotalMinor: 2975n,
        currency: 'usd',
      })
      .thenNothing();
  });

  it('given no refund through Tollgate, when the provider reports a refund, then the order is flagged (no silent debit)', () => {
    const [e] = spec
      .given(history(created, open, confirm()))
      .when({
        type: 'ReconcileProviderRefunds',
        orderId: 'order-1',
        idempotencyKey: 'evt_r',
        now: later(DAY),
        providerEventId: 'evt_r',
        amountRefundedTotalMinor: 1000n,
        currency: 'usd',
      })
      .thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toHaveProperty('reason', 'PROVIDER_REFUND_UNMATCHED');
  });

  it('given an open order, when cancelled, then PaymentOrderCancelled; cancelling a confirmed order is refused', () => {
    const cancel: PaymentCommand = {
      type: 'CancelOrder',
      orderId: 'order-1',
      idempotencyKey: 'c-1',
      now: later(10),
      reason: 'changed mind',
      actor: 'u',
    };
    spec.given(history(created)).when(cancel).thenTypes(['PaymentOrderCancelled']);
    spec
      .given(history(created, open, confirm()))
      .when(cancel)
      .thenThrows('ORDER_NOT_OPEN');
  });

  it('given a confirmed order, when crediting was rejected by the ledger, then it is flagged CREDITING_REJECTED once', () => {
    const flag: PaymentCommand = {
      type: 'FlagCreditingRejected',
      orderId: 'order-1',
      idempotencyKey: 'cr-1',
      now: later(DAY),
      ledgerCode: 'ACCOUNT_NOT_FOUND',
    };
    const given = history(created, open, confirm());
    const [e] = spec.given(given).when(flag).thenTypes(['OrderFlaggedForReview']);
    expect(e.data).toHaveProperty('reason', 'CREDITING_REJECTED');
    spec
      .given([...given, e])
      .when(flag)
      .thenNothing();
  });
});
