import { DomainError, START, type RecordedEvent } from '@tollgate/event-store';
import { confirmedOrderSchema, refundedOrderSchema } from '@tollgate/invoicing';
import type { PaymentCommand } from '../orders/commands';
import { paymentDecider } from '../orders/decider';
import type { PaymentEvent } from '../orders/events';
import { createOrderCommand, GERMAN_PROFILE, T0, taxFor, seededPackage } from '../testing/fixtures';
import { paymentEventToInvoicingFact } from './invoicing-facts';

function run(...commands: PaymentCommand[]): PaymentEvent[] {
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

const recorded = (e: PaymentEvent): RecordedEvent => ({
  id: 'e',
  type: e.type,
  data: e.data,
  metadata: {},
  streamId: 'payment-order-1',
  revision: 0n,
  position: START,
  recordedAt: T0,
});

describe('payment events → invoicing facts', () => {
  const frenchBusiness = { ...GERMAN_PROFILE, country: 'FR', city: 'Paris', vatId: 'FR40303265045' };
  const events = run(
    createOrderCommand({
      billingProfile: frenchBusiness,
      tax: taxFor(seededPackage('team'), frenchBusiness),
    }),
    {
      type: 'ConfirmPayment',
      orderId: 'order-1',
      idempotencyKey: 'evt',
      now: T0,
      provider: 'stripe',
      providerEventId: 'evt',
      providerPaymentId: 'pi',
      amountMinor: 5000n,
      currency: 'usd',
      paid: true,
    },
    {
      type: 'RequestRefund',
      orderId: 'order-1',
      idempotencyKey: 'rr',
      now: T0,
      refundId: 'r1',
      unconsumedNanocredits: 10n ** 9n,
      reason: 'goodwill',
      actor: 'a',
    },
    {
      type: 'CompleteRefund',
      orderId: 'order-1',
      idempotencyKey: 'rc',
      now: T0,
      refundId: 'r1',
      providerRefundId: 're_1',
    },
  );

  it('given a confirmed reverse-charge order, when mapped, then invoicing accepts it with the frozen buyer and legal note', () => {
    const fact = paymentEventToInvoicingFact(recorded(events.find((e) => e.type === 'PaymentConfirmed')!));
    expect(fact?.kind).toBe('order_confirmed');
    const order = confirmedOrderSchema.parse(fact?.kind === 'order_confirmed' ? fact.order : null);
    expect(order).toMatchObject({
      bonusCreditsNanocredits: '2500000000',
      taxSnapshot: {
        grossMinor: '5000',
        taxMinor: '0',
        reverseCharge: true,
        breakdown: [{ ratePercent: '0' }],
      },
      buyer: { country: 'FR', vatId: 'FR40303265045', email: 'billing@acme.test' },
    });
    expect(order.taxSnapshot.legalNote).toContain('Reverse charge');
  });

  it('given a completed refund, when mapped, then invoicing accepts the credit-note input', () => {
    const fact = paymentEventToInvoicingFact(recorded(events.find((e) => e.type === 'PaymentRefunded')!));
    const refund = refundedOrderSchema.parse(fact?.kind === 'order_refunded' ? fact.refund : null);
    expect(refund).toMatchObject({
      orderId: 'order-1',
      refundId: 'r1',
      grossMinor: '95',
      reason: 'goodwill',
    });
  });

  it('given other events, when mapped, then null', () => {
    expect(paymentEventToInvoicingFact(recorded(events[0]))).toBeNull();
  });
});
