import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import { DomainError } from '@tollgate/event-store';
import { parseCredits } from '@tollgate/money';
import { FakeStripe } from '../../../../test/fakes/fake-stripe';
import { paymentStream } from '../orders/events';
import type { OrderView } from '../orders/order-view';
import { StripeCheckoutProvider } from '../stripe/stripe-provider';
import { createPaymentsHarness, type PaymentsHarness } from '../testing/payments-harness';

const WEBHOOK_SECRET = 'whsec_test_tollgate';
const signer = new Stripe('sk_test_signer');

describe('Stripe checkout and webhooks (real stripe client against a local fake Stripe)', () => {
  let fake: FakeStripe;
  let h: PaymentsHarness;

  beforeAll(async () => {
    fake = new FakeStripe();
    const { host, port } = await fake.start();
    const stripe = new StripeCheckoutProvider({
      secretKey: 'sk_test_tollgate',
      webhookSecret: WEBHOOK_SECRET,
      host,
      port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    h = await createPaymentsHarness({ checkoutProvider: stripe });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
    await fake?.stop();
  }, 30_000);

  function deliver(
    event: Record<string, unknown>,
    opts: { secret?: string; timestamp?: number; tamper?: (s: string) => string } = {},
  ) {
    const payload = JSON.stringify(event);
    const header = signer.webhooks.generateTestHeaderString({
      payload,
      secret: opts.secret ?? WEBHOOK_SECRET,
      timestamp: opts.timestamp ?? Math.floor(h.clock.now.getTime() / 1000),
    });
    const body = opts.tamper ? opts.tamper(payload) : payload;
    return h.pipeline.handle('stripe', Buffer.from(body), { 'stripe-signature': header });
  }

  async function openOrder(ws: string, packageId = 'team'): Promise<{ order: OrderView; sessionId: string }> {
    const order = await h.service.createOrder({
      workspaceId: ws,
      packageId,
      idempotencyKey: `k-${Math.random()}`,
      actor: 'u',
    });
    if (order instanceof DomainError) throw order;
    const session = await h.service.openCheckout(ws, order.orderId);
    if (session instanceof DomainError) throw session;
    return { order, sessionId: session.sessionId };
  }

  async function paidOrder(ws: string): Promise<OrderView> {
    const { order, sessionId } = await openOrder(ws);
    const r = await deliver(fake.event('checkout.session.completed', fake.completedSession(sessionId)));
    expect(r.status).toBe(200);
    await h.reactor.catchUpToOrder(order.orderId);
    return (await h.service.getOrder(order.orderId)) as OrderView;
  }

  async function streamTypes(orderId: string): Promise<string[]> {
    return (await h.store.readStream(paymentStream(orderId))).map((e) => e.type);
  }

  it('given an order, when checkout opens, then Stripe gets a session with the order id, the gross amount and idempotency key', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const [call] = fake.requestsTo('/v1/checkout/sessions').slice(-1);
    expect(call.idempotencyKey).toBe(`checkout-${order.orderId}`);
    expect(call.body).toMatchObject({
      mode: 'payment',
      client_reference_id: order.orderId,
      metadata: { order_id: order.orderId },
      line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '5950' } }],
    });
    expect(String(call.body.success_url)).toContain(order.orderId);
    const view = (await h.service.getOrder(order.orderId)) as OrderView;
    expect(view.status).toBe('checkout_open');
    expect(view.checkout?.sessionId).toBe(sessionId);
    expect(view.quote.tax).toMatchObject({ netMinor: '5000', taxMinor: '950', grossMinor: '5950' });
  });

  it('given an open checkout, when checkout.session.completed arrives signed, then the order is confirmed and 52.5 credits are added once', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const r = await deliver(fake.event('checkout.session.completed', fake.completedSession(sessionId)));
    expect(r).toMatchObject({ status: 200, body: { outcome: 'confirmed' } });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('52.5'));
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('52.5'));
    const [receipt] = await h.pipeline.auditTrail.list({ orderId: order.orderId, limit: 10 });
    expect(receipt).toMatchObject({
      verified: true,
      eventType: 'checkout.session.completed',
      outcome: 'confirmed',
    });
  });

  it('given one completion event, when it is delivered 100 times concurrently, then one confirmation and one credit', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const event = fake.event('checkout.session.completed', fake.completedSession(sessionId));
    const results = await Promise.all(Array.from({ length: 100 }, () => deliver(event)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await Promise.all([h.reactor.catchUpToOrder(order.orderId), h.reactor.catchUpToOrder(order.orderId)]);
    expect((await streamTypes(order.orderId)).filter((t) => t === 'PaymentConfirmed')).toHaveLength(1);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('52.5'));
    const receipts = await h.pipeline.auditTrail.list({ orderId: order.orderId, limit: 10 });
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ deliveries: 100, outcome: 'confirmed' });
  }, 30_000);

  it('given a signed event, when its payload is tampered with, then 400 and nothing changes', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const event = fake.event(
      'checkout.session.completed',
      fake.completedSession(sessionId, { amount_total: 1 }),
    );
    const r = await deliver(event, { tamper: (s) => s.replace('"amount_total":1,', '"amount_total":5950,') });
    expect(r.status).toBe(400);
    expect(await streamTypes(order.orderId)).toEqual(['PaymentOrderCreated', 'CheckoutSessionOpened']);
    const { rows } = await h.pool.query(
      'SELECT verified, verification_error FROM webhook_receipts WHERE event_id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ verified: false, verification_error: expect.stringContaining('BAD_SIGNATURE') }]);
  });

  it('given a signature older than 5 minutes, when delivered, then 400 STALE_TIMESTAMP and nothing changes', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const stale = Math.floor(h.clock.now.getTime() / 1000) - 301;
    const r = await deliver(fake.event('checkout.session.completed', fake.completedSession(sessionId)), {
      timestamp: stale,
    });
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'STALE_TIMESTAMP' } } });
    expect(await streamTypes(order.orderId)).not.toContain('PaymentConfirmed');
  });

  it('given the wrong endpoint secret or no signature, when delivered, then 400 and nothing changes', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const event = fake.event('checkout.session.completed', fake.completedSession(sessionId));
    expect((await deliver(event, { secret: 'whsec_wrong' })).status).toBe(400);
    const missing = await h.pipeline.handle('stripe', Buffer.from(JSON.stringify(event)), {});
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'MISSING_SIGNATURE' } } });
    expect(await streamTypes(order.orderId)).not.toContain('PaymentConfirmed');
    expect(await h.availableNanocredits(ws)).toBe(0n);
  });

  it('given an open checkout, when the webhook amount differs from the order, then the order is flagged for review and not credited', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    const r = await deliver(
      fake.event('checkout.session.completed', fake.completedSession(sessionId, { amount_total: 100 })),
    );
    expect(r).toMatchObject({ status: 200, body: { outcome: 'flagged_for_review' } });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(0n);
    const view = (await h.service.getOrder(order.orderId)) as OrderView;
    expect(view).toMatchObject({
      status: 'checkout_open',
      flaggedForReview: true,
      reviewReasons: ['AMOUNT_MISMATCH'],
    });
  });

  it('given an open checkout, when checkout.session.expired arrives, then the order expires and a late payment is flagged, not credited', async () => {
    const ws = await h.newCustomer();
    const { order, sessionId } = await openOrder(ws);
    expect(
      await deliver(fake.event('checkout.session.expired', fake.expiredSession(sessionId))),
    ).toMatchObject({
      body: { outcome: 'expired' },
    });
    const late = await deliver(fake.event('checkout.session.completed', fake.completedSession(sessionId)));
    expect(late).toMatchObject({ body: { outcome: 'flagged_for_review' } });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(0n);
    expect((await h.service.getOrder(order.orderId))?.status).toBe('expired');
  });

  it('given a webhook for an order Tollgate never created, when delivered, then it is recorded and changes no balance', async () => {
    const r = await deliver(
      fake.event('checkout.session.completed', {
        ...fake.fixtures['checkout.session'],
        client_reference_id: 'no-such-order',
        amount_total: 5950,
        currency: 'usd',
        payment_status: 'paid',
      }),
    );
    expect(r).toMatchObject({ status: 200, body: { outcome: 'unknown_order' } });
    const { rows } = await h.pool.query('SELECT outcome FROM webhook_receipts WHERE event_id = $1', [
      r.status === 200 ? r.body.eventId : '',
    ]);
    expect(rows).toEqual([{ outcome: 'unknown_order' }]);
  });

  it('given an unknown event type, when delivered signed, then it is acknowledged and ignored', async () => {
    const r = await deliver(fake.event('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(r).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
  });

  it('given a paid order, when half the credits are refunded, then Stripe refunds half the gross with an idempotency key and half the credits are debited', async () => {
    const ws = await h.newCustomer();
    const order = await paidOrder(ws);
    const refunded = await h.service.refundOrder({
      orderId: order.orderId,
      refundId: `half-${order.orderId}`,
      creditsNanocredits: parseCredits('26.25'),
      reason: 'customer request',
      actor: 'admin',
    });
    if (refunded instanceof DomainError) throw refunded;
    const [call] = fake.requestsTo('/v1/refunds').slice(-1);
    expect(call.idempotencyKey).toBe(`refund-half-${order.orderId}`);
    expect(call.body).toMatchObject({ payment_intent: order.payment?.providerPaymentId, amount: '2975' });
    expect(refunded).toMatchObject({
      status: 'confirmed',
      refunds: [{ status: 'completed', amountMinor: '2975' }],
    });
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('26.25'));

    // Stripe then reports the refund: ours, so nothing more happens.
    const charge = fake.refundedCharge(order.payment!.providerPaymentId, 5950, 2975);
    expect(await deliver(fake.event('charge.refunded', charge))).toMatchObject({
      body: { outcome: 'no_change' },
    });
    // Repeating the same refund call neither pays nor debits twice.
    const again = await h.service.refundOrder({
      orderId: order.orderId,
      refundId: `half-${order.orderId}`,
      creditsNanocredits: parseCredits('26.25'),
      reason: 'customer request',
      actor: 'admin',
    });
    expect(again).not.toBeInstanceOf(DomainError);
    expect(
      fake.requestsTo('/v1/refunds').filter((r) => r.idempotencyKey === `refund-half-${order.orderId}`),
    ).toHaveLength(1);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('26.25'));
  });

  it('given 30 of 52.5 credits spent, when the order is refunded, then only the unconsumed 22.5 credits and 25.50 are refunded', async () => {
    const ws = await h.newCustomer();
    const order = await paidOrder(ws);
    await h.spend(ws, parseCredits('30'));
    const tooMuch = await h.service.refundOrder({
      orderId: order.orderId,
      creditsNanocredits: parseCredits('30'),
      reason: 'r',
      actor: 'admin',
    });
    expect(tooMuch).toBeInstanceOf(DomainError);
    expect((tooMuch as DomainError).code).toBe('REFUND_EXCEEDS_UNCONSUMED');
    const refunded = await h.service.refundOrder({ orderId: order.orderId, reason: 'r', actor: 'admin' });
    if (refunded instanceof DomainError) throw refunded;
    expect(refunded.refunds.at(-1)).toMatchObject({
      status: 'completed',
      amountMinor: '2550',
      creditsNanocredits: parseCredits('22.5').toString(),
    });
    expect(await h.availableNanocredits(ws)).toBe(0n);
  });

  it('given a refunded order, when its completion webhook arrives again, then nothing is credited', async () => {
    const ws = await h.newCustomer();
    const order = await paidOrder(ws);
    const refunded = await h.service.refundOrder({ orderId: order.orderId, reason: 'r', actor: 'admin' });
    if (refunded instanceof DomainError) throw refunded;
    expect(refunded.status).toBe('refunded');
    const session = fake.sessions.get(order.checkout!.sessionId)!;
    const r = await deliver(fake.event('checkout.session.completed', session));
    expect(r).toMatchObject({ body: { outcome: 'no_change' } });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(0n);
  });

  it('given a refund made outside Tollgate, when charge.refunded arrives, then the order is flagged and no credits move', async () => {
    const ws = await h.newCustomer();
    const order = await paidOrder(ws);
    const charge = fake.refundedCharge(order.payment!.providerPaymentId, 5950, 1000);
    expect(await deliver(fake.event('charge.refunded', charge))).toMatchObject({
      body: { outcome: 'flagged_for_review' },
    });
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('52.5'));
  });

  it('given Stripe fails the refund, when the refund is retried with its id, then it completes once', async () => {
    const ws = await h.newCustomer();
    const order = await paidOrder(ws);
    fake.failNextRefunds = 1;
    const first = await h.service.refundOrder({
      orderId: order.orderId,
      refundId: `retry-${order.orderId}`,
      reason: 'r',
      actor: 'admin',
    });
    expect((first as DomainError).code).toBe('PROVIDER_ERROR');
    const second = await h.service.refundOrder({
      orderId: order.orderId,
      refundId: `retry-${order.orderId}`,
      reason: 'r',
      actor: 'admin',
    });
    if (second instanceof DomainError) throw second;
    expect(second.status).toBe('refunded');
    expect(await h.availableNanocredits(ws)).toBe(0n);
  });
});
