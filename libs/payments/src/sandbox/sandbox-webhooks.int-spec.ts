import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError } from '@tollgate/event-store';
import { parseCredits } from '@tollgate/money';
import type { OrderView } from '../orders/order-view';
import { GERMAN_PROFILE } from '../testing/fixtures';
import { createPaymentsHarness, type PaymentsHarness } from '../testing/payments-harness';
import { SandboxCheckoutProvider } from './sandbox-provider';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload } from './signature';

describe('sandbox provider through the webhook pipeline', () => {
  const sandbox = new SandboxCheckoutProvider({
    webhookSecret: 'sandbox-secret',
    publicBaseUrl: 'http://127.0.0.1:8080/',
  });
  let h: PaymentsHarness;

  beforeAll(async () => {
    h = await createPaymentsHarness({ checkoutProvider: sandbox });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  }, 30_000);

  async function openOrder(ws: string): Promise<OrderView> {
    const order = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'individual',
      idempotencyKey: 'buy-1',
      actor: 'u',
    });
    if (order instanceof DomainError) throw order;
    const session = await h.service.openCheckout(ws, order.orderId);
    if (session instanceof DomainError) throw session;
    expect(session.url).toBe(`http://127.0.0.1:8080/sandbox/checkout/${session.sessionId}`);
    return order;
  }

  it('given a sandbox checkout, when "pay" sends its signed event, then the order is confirmed and credited once', async () => {
    const ws = await h.newCustomer();
    const order = await openOrder(ws);
    const signed = sandbox.buildSignedEvent({
      type: 'checkout.session.completed',
      orderId: order.orderId,
      amountMinor: BigInt(order.quote.tax.grossMinor),
      currency: order.quote.tax.currency,
      now: h.clock.now,
    });
    expect(await h.pipeline.handle('sandbox', signed.rawBody, signed.headers)).toMatchObject({
      status: 200,
      body: { outcome: 'confirmed' },
    });
    expect(await h.pipeline.handle('sandbox', signed.rawBody, signed.headers)).toMatchObject({
      status: 200,
      body: { outcome: 'no_change' },
    });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('10'));
  });

  it('given a sandbox event, when tampered, stale, or signed with another secret, then 400 and nothing changes', async () => {
    const ws = await h.newCustomer();
    const order = await openOrder(ws);
    const signed = sandbox.buildSignedEvent({
      type: 'checkout.session.completed',
      orderId: order.orderId,
      amountMinor: 1n,
      currency: 'USD',
      now: h.clock.now,
    });
    const tampered = Buffer.from(
      signed.rawBody.toString().replace('"amount_total":1', `"amount_total":${order.quote.tax.grossMinor}`),
    );
    expect((await h.pipeline.handle('sandbox', tampered, signed.headers)).status).toBe(400);
    const body = signed.rawBody.toString();
    const stale = signSandboxPayload(body, 'sandbox-secret', Math.floor(h.clock.now.getTime() / 1000) - 301);
    expect(
      await h.pipeline.handle('sandbox', signed.rawBody, { [SANDBOX_SIGNATURE_HEADER]: stale }),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'STALE_TIMESTAMP' } },
    });
    const wrong = signSandboxPayload(body, 'other-secret', Math.floor(h.clock.now.getTime() / 1000));
    expect(
      (await h.pipeline.handle('sandbox', signed.rawBody, { [SANDBOX_SIGNATURE_HEADER]: wrong })).status,
    ).toBe(400);
    expect((await h.pipeline.handle('sandbox', signed.rawBody, {})).status).toBe(400);
    expect((await h.service.getOrder(order.orderId))?.status).toBe('checkout_open');
    const { rows } = await h.pool.query(
      "SELECT count(*)::int AS n FROM webhook_receipts WHERE provider = 'sandbox' AND NOT verified",
    );
    expect(rows[0].n).toBe(4);
  });

  it('given a sandbox checkout, when the page lets it expire, then the order expires', async () => {
    const ws = await h.newCustomer();
    const order = await openOrder(ws);
    const signed = sandbox.buildSignedEvent({
      type: 'checkout.session.expired',
      orderId: order.orderId,
      amountMinor: 0n,
      currency: 'USD',
      now: h.clock.now,
    });
    expect(await h.pipeline.handle('sandbox', signed.rawBody, signed.headers)).toMatchObject({
      body: { outcome: 'expired' },
    });
  });

  it('given Stripe is not enabled, when /webhooks/stripe is called, then 404 PROVIDER_DISABLED', async () => {
    expect(await h.pipeline.handle('stripe', Buffer.from('{}'), {})).toMatchObject({ status: 404 });
  });

  it('given a created order, when the customer creates it again with the same Idempotency-Key, then the same order comes back', async () => {
    const ws = await h.newCustomer();
    const a = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'team',
      idempotencyKey: 'same',
      actor: 'u',
    });
    const b = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'team',
      idempotencyKey: 'same',
      actor: 'u',
    });
    expect((a as OrderView).orderId).toBe((b as OrderView).orderId);
    const c = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'scale',
      idempotencyKey: 'same',
      actor: 'u',
    });
    expect((c as DomainError).code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('given a manual enterprise order, when an admin approves it with a bank reference, then the credits arrive', async () => {
    const ws = await h.newCustomer();
    const order = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'enterprise',
      idempotencyKey: 'ent',
      actor: 'u',
    });
    if (order instanceof DomainError) throw order;
    expect(order).toMatchObject({ provider: 'manual', status: 'created' });
    expect(await h.service.openCheckout(ws, order.orderId)).toMatchObject({ code: 'ORDER_IS_MANUAL' });
    const approved = await h.service.approveManualOrder({
      orderId: order.orderId,
      paymentReference: 'BANK-42',
      actor: 'admin',
    });
    expect(approved).toMatchObject({ status: 'confirmed', manualPaymentReference: 'BANK-42' });
    await h.reactor.catchUpToOrder(order.orderId);
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('5750'));
  });

  it('given a billing profile changed after an order, when the order is read, then it shows the profile as it was', async () => {
    const ws = await h.newCustomer();
    const order = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'team',
      idempotencyKey: 'p',
      actor: 'u',
    });
    if (order instanceof DomainError) throw order;
    const changed = await h.service.saveBillingProfile(
      ws,
      {
        ...order.billingProfile,
        legalName: 'Renamed AG',
        country: 'FR',
        vatId: 'FR40303265045',
        city: 'Paris',
      },
      'u',
    );
    expect(changed).toMatchObject({ revision: 2 });
    const again = (await h.service.getOrder(order.orderId)) as OrderView;
    expect(again).toMatchObject({
      billingProfileRevision: 1,
      billingProfile: { legalName: 'Acme GmbH' },
      quote: { tax: { grossMinor: '5950' } },
    });
    const quote = await h.service.quote(ws, 'team');
    expect(quote).toMatchObject({ tax: { treatment: 'reverse_charge', grossMinor: '5000' } });
  });

  it('given a workspace without a ledger account, when its payment is confirmed, then the order is flagged and a retry credits it once the account exists', async () => {
    const ws = randomUUID();
    const saved = await h.service.saveBillingProfile(ws, GERMAN_PROFILE, 'test');
    expect(saved).not.toBeInstanceOf(DomainError);
    const order = await h.service.createOrder({
      workspaceId: ws,
      packageId: 'individual',
      idempotencyKey: 'noacct',
      actor: 'u',
    });
    if (order instanceof DomainError) throw order;
    await h.service.openCheckout(ws, order.orderId);
    const signed = sandbox.buildSignedEvent({
      type: 'checkout.session.completed',
      orderId: order.orderId,
      amountMinor: BigInt(order.quote.tax.grossMinor),
      currency: 'USD',
      now: h.clock.now,
    });
    expect(await h.pipeline.handle('sandbox', signed.rawBody, signed.headers)).toMatchObject({
      body: { outcome: 'confirmed' },
    });
    const outcomes = await h.reactor.catchUpToOrder(order.orderId);
    expect(outcomes).toContainEqual({ kind: 'rejected', orderId: order.orderId, code: 'ACCOUNT_NOT_FOUND' });
    expect(await h.service.getOrder(order.orderId)).toMatchObject({
      flaggedForReview: true,
      reviewReasons: ['CREDITING_REJECTED'],
    });
    await h.openAccount(ws);
    expect(await h.service.retryCrediting(order.orderId)).toBe('credited');
    expect(await h.service.retryCrediting(order.orderId)).toBe('already_credited');
    expect(await h.availableNanocredits(ws)).toBe(parseCredits('10'));
  });
});
