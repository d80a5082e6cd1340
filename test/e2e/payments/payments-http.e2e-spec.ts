import Stripe from 'stripe';
import { parseCredits } from '@tollgate/money';
import { paymentsConfigFromEnv, type OrderView, type Quote } from '@tollgate/payments';
import { FakeStripe } from '../../fakes/fake-stripe';
import { ApiClient, startPaymentsApp, type PaymentsTestApp } from './payments-test-app';

jest.setTimeout(30_000);

const PROFILE = {
  legalName: 'Acme GmbH',
  addressLines: ['Invalidenstr. 1'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  invoiceEmail: 'billing@acme.test',
};

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('payments over HTTP with the zero-setup sandbox provider', () => {
  let app: PaymentsTestApp;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    app = await startPaymentsApp(paymentsConfigFromEnv({ TOLLGATE_SELLER_COUNTRY: 'DE' }));
    alice = await ApiClient.signIn(app.url, 'alice@acme.test');
    bob = await ApiClient.signIn(app.url, 'bob@globex.test');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const ws = () => `/api/workspaces/${app.acme.id}`;

  it('given a signed-in owner, when listing packages, then the four seeded tiers come back', async () => {
    const res = await alice.call<{ packages: Array<{ packageId: string; settlement: string }> }>(
      'GET',
      `${ws()}/packages`,
    );
    expect(res.status).toBe(200);
    expect(res.body.packages.map((p) => p.packageId)).toEqual(['individual', 'team', 'scale', 'enterprise']);
    expect(res.body.packages.find((p) => p.packageId === 'enterprise')?.settlement).toBe('manual');
  });

  it('given no billing profile, when asking for a quote, then 409 BILLING_PROFILE_REQUIRED', async () => {
    const res = await bob.call('GET', `/api/workspaces/${app.globex.id}/payments/quote?packageId=team`);
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'BILLING_PROFILE_REQUIRED' } } });
  });

  it('given an invalid VAT id, when saving the billing profile, then 400 and nothing is saved', async () => {
    const res = await alice.call('PUT', `${ws()}/billing-profile`, { ...PROFILE, vatId: 'DE000' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BILLING_PROFILE' } } });
    expect((await alice.call('GET', `${ws()}/billing-profile`)).body).toMatchObject({ billingProfile: null });
  });

  it('given a profile, when quoting then ordering then paying on the sandbox page, then the order shows the quoted figures and credits arrive once', async () => {
    expect((await alice.call('PUT', `${ws()}/billing-profile`, PROFILE)).status).toBe(200);
    const quote = await alice.call<{ quote: Quote }>('GET', `${ws()}/payments/quote?packageId=team`);
    expect(quote.body.quote.tax).toMatchObject({
      netMinor: '5000',
      taxMinor: '950',
      grossMinor: '5950',
      ratePercent: '19',
    });
    expect(quote.body.quote.refundPolicyText).toContain('14 days');

    const missingKey = await alice.call('POST', `${ws()}/payments/orders`, { packageId: 'team' });
    expect(missingKey.status).toBe(400);
    const created = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws()}/payments/orders`,
      { packageId: 'team' },
      { 'idempotency-key': 'order-key-0001' },
    );
    expect(created.status).toBe(201);
    const order = created.body.order;
    expect(order.quote.tax).toMatchObject({ netMinor: '5000', taxMinor: '950', grossMinor: '5950' });
    const replay = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws()}/payments/orders`,
      { packageId: 'team' },
      { 'idempotency-key': 'order-key-0001' },
    );
    expect(replay.body.order.orderId).toBe(order.orderId);

    const checkout = await alice.call<{ checkout: { sessionId: string; url: string } }>(
      'POST',
      `${ws()}/payments/orders/${order.orderId}/checkout`,
    );
    expect(checkout.status).toBe(200);
    const pagePath = new URL(checkout.body.checkout.url).pathname;
    const page = await fetch(`${app.url}${pagePath}`);
    const html = await page.text();
    expect(html).toContain('59.50 USD');
    expect(html).toContain('Pay');

    const paid = await fetch(`${app.url}${pagePath}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(
      `http://127.0.0.1:8080/w/${app.acme.id}/billing?checkout=success&order=${order.orderId}`,
    );
    await eventually(
      async () => (await app.availableNanocredits(app.acme.id)) === parseCredits('52.5'),
      'credits',
    );

    // A second "pay" is refused: the checkout is no longer open, nothing more is credited.
    const again = await fetch(`${app.url}${pagePath}/pay`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    await app.reactor.catchUpToOrder(order.orderId);
    expect(await app.availableNanocredits(app.acme.id)).toBe(parseCredits('52.5'));

    const view = await alice.call<{ order: OrderView }>('GET', `${ws()}/payments/orders/${order.orderId}`);
    expect(view.body.order).toMatchObject({ status: 'confirmed', quote: { tax: { grossMinor: '5950' } } });
    await app.projected();
    const list = await alice.call<{ orders: Array<{ orderId: string; status: string }> }>(
      'GET',
      `${ws()}/payments/orders`,
    );
    expect(list.body.orders).toEqual([
      expect.objectContaining({ orderId: order.orderId, status: 'confirmed' }),
    ]);
  });

  it('given another tenant, when it reads or pays acme orders, then 404 and its own list is empty', async () => {
    await app.projected();
    const mine = await bob.call<{ orders: unknown[] }>(
      'GET',
      `/api/workspaces/${app.globex.id}/payments/orders`,
    );
    expect(mine.body.orders).toEqual([]);
    const theirs = await bob.call('GET', `${ws()}/payments/orders`);
    expect(theirs.status).toBe(404);
    const adminList = await ApiClient.admin(app.url).call<{ orders: Array<{ orderId: string }> }>(
      'GET',
      '/admin/api/payments/orders',
    );
    const orderId = adminList.body.orders[0].orderId;
    const cross = await bob.call('GET', `/api/workspaces/${app.globex.id}/payments/orders/${orderId}`);
    expect(cross).toMatchObject({ status: 404, body: { error: { code: 'ORDER_NOT_FOUND' } } });
  });

  it('given a manual enterprise order, when the admin approves it with a bank reference, then the credits arrive', async () => {
    const created = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws()}/payments/orders`,
      { packageId: 'enterprise' },
      { 'idempotency-key': 'enterprise-0001' },
    );
    expect(created.body.order).toMatchObject({ provider: 'manual', status: 'created' });
    const orderId = created.body.order.orderId;
    expect((await alice.call('POST', `${ws()}/payments/orders/${orderId}/checkout`)).status).toBe(409);
    const admin = ApiClient.admin(app.url);
    expect(
      (
        await ApiClient.anonymous(app.url).call('POST', `/admin/api/payments/orders/${orderId}/approve`, {
          paymentReference: 'X',
        })
      ).status,
    ).toBeGreaterThanOrEqual(401);
    expect(
      (await alice.call('POST', `/admin/api/payments/orders/${orderId}/approve`, { paymentReference: 'X' }))
        .status,
    ).toBe(404);
    const before = await app.availableNanocredits(app.acme.id);
    const approved = await admin.call<{ order: OrderView }>(
      'POST',
      `/admin/api/payments/orders/${orderId}/approve`,
      { paymentReference: 'BANK-2026-0042' },
    );
    expect(approved.status).toBe(200);
    expect(approved.body.order).toMatchObject({
      status: 'confirmed',
      manualPaymentReference: 'BANK-2026-0042',
    });
    await eventually(
      async () => (await app.availableNanocredits(app.acme.id)) === before + parseCredits('5750'),
      'enterprise credits',
    );
    const twice = await admin.call('POST', `/admin/api/payments/orders/${orderId}/approve`, {
      paymentReference: 'BANK-2026-0042',
    });
    expect(twice.status).toBe(200);
    await app.reactor.catchUpToOrder(orderId);
    expect(await app.availableNanocredits(app.acme.id)).toBe(before + parseCredits('5750'));
  });

  it('given a sandbox webhook without a valid signature, when posted, then 400 and it is kept for audit', async () => {
    const res = await fetch(`${app.url}/webhooks/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tollgate-signature': 't=1,v1=' + '0'.repeat(64) },
      body: JSON.stringify({ id: 'evt_forged', type: 'checkout.session.completed', data: { object: {} } }),
    });
    expect(res.status).toBe(400);
    const receipts = await ApiClient.admin(app.url).call<{
      receipts: Array<{ eventId: string; verified: boolean }>;
    }>('GET', '/admin/api/payments/webhook-receipts?provider=sandbox');
    expect(receipts.body.receipts).toEqual(
      expect.arrayContaining([expect.objectContaining({ eventId: 'evt_forged', verified: false })]),
    );
  });

  it('given the admin, when defining packages, then customers see active ones only and invalid ones get 400', async () => {
    const admin = ApiClient.admin(app.url);
    const starter = {
      name: 'Starter',
      tier: 'custom',
      priceMinor: '500',
      currency: 'USD',
      creditsNanocredits: '5000000000',
      taxMode: 'inclusive',
      settlement: 'checkout',
      active: false,
      sortOrder: 5,
    };
    expect((await admin.call('PUT', '/admin/api/payments/packages/starter', starter)).status).toBe(200);
    const hidden = await alice.call<{ packages: Array<{ packageId: string }> }>('GET', `${ws()}/packages`);
    expect(hidden.body.packages.map((p) => p.packageId)).not.toContain('starter');
    expect(
      (await admin.call('PUT', '/admin/api/payments/packages/starter', { ...starter, active: true })).status,
    ).toBe(200);
    const shown = await alice.call<{ packages: Array<{ packageId: string }> }>('GET', `${ws()}/packages`);
    expect(shown.body.packages.map((p) => p.packageId)[0]).toBe('starter');
    // Tax-inclusive: 5.00 gross holds 19 % VAT.
    const quote = await alice.call<{ quote: Quote }>('GET', `${ws()}/payments/quote?packageId=starter`);
    expect(quote.body.quote.tax).toMatchObject({ grossMinor: '500', netMinor: '420', taxMinor: '80' });
    const bad = await admin.call('PUT', '/admin/api/payments/packages/broken', {
      ...starter,
      priceMinor: '1.5',
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PACKAGE' } } });
    expect((await alice.call('PUT', '/admin/api/payments/packages/starter', starter)).status).toBe(404);
  });

  it('given an open order, when the customer cancels it, then it is cancelled and cannot be paid', async () => {
    const created = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws()}/payments/orders`,
      { packageId: 'individual' },
      { 'idempotency-key': 'cancel-me-0001' },
    );
    const orderId = created.body.order.orderId;
    const cancelled = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws()}/payments/orders/${orderId}/cancel`,
    );
    expect(cancelled).toMatchObject({ status: 200, body: { order: { status: 'cancelled' } } });
    expect((await alice.call('POST', `${ws()}/payments/orders/${orderId}/checkout`)).status).toBe(409);
  });

  it('given Stripe is not configured, when /webhooks/stripe is posted, then 404', async () => {
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
  });
});

describe('payments over HTTP with Stripe (real client against the fake Stripe API)', () => {
  const SECRET = 'whsec_e2e_secret';
  let fake: FakeStripe;
  let app: PaymentsTestApp;
  let alice: ApiClient;
  const signer = new Stripe('sk_test_signer');

  beforeAll(async () => {
    fake = new FakeStripe();
    const { port } = await fake.start();
    app = await startPaymentsApp(
      paymentsConfigFromEnv({
        STRIPE_SECRET_KEY: 'sk_test_e2e',
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_HOST: '127.0.0.1',
        STRIPE_API_PORT: String(port),
        STRIPE_API_PROTOCOL: 'http',
      }),
    );
    alice = await ApiClient.signIn(app.url, 'alice@acme.test');
    expect((await alice.call('PUT', `/api/workspaces/${app.acme.id}/billing-profile`, PROFILE)).status).toBe(
      200,
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await fake?.stop();
  });

  function post(event: Record<string, unknown>, secret = SECRET) {
    const payload = JSON.stringify(event);
    const header = signer.webhooks.generateTestHeaderString({ payload, secret });
    return fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
  }

  it('given a Stripe checkout, when the signed completion is posted 20 times at once, then one credit; a bad signature gets 400; a refund goes to Stripe', async () => {
    const ws = `/api/workspaces/${app.acme.id}`;
    const created = await alice.call<{ order: OrderView }>(
      'POST',
      `${ws}/payments/orders`,
      { packageId: 'team' },
      { 'idempotency-key': 'stripe-order-1' },
    );
    const orderId = created.body.order.orderId;
    const checkout = await alice.call<{ checkout: { sessionId: string; url: string } }>(
      'POST',
      `${ws}/payments/orders/${orderId}/checkout`,
    );
    expect(checkout.body.checkout.url).toContain('checkout.stripe.test');
    expect(fake.requestsTo('/v1/checkout/sessions').at(-1)?.idempotencyKey).toBe(`checkout-${orderId}`);

    const event = fake.event(
      'checkout.session.completed',
      fake.completedSession(checkout.body.checkout.sessionId),
    );
    expect((await post(event, 'whsec_wrong')).status).toBe(400);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(event).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await app.reactor.catchUpToOrder(orderId);
    expect(await app.availableNanocredits(app.acme.id)).toBe(parseCredits('52.5'));

    const admin = ApiClient.admin(app.url);
    const refund = await admin.call<{ order: OrderView }>(
      'POST',
      `/admin/api/payments/orders/${orderId}/refunds`,
      { credits: '10.5', reason: 'partial', refundId: 'refund-e2e-0001' },
    );
    expect(refund.status).toBe(200);
    expect(refund.body.order.refunds).toEqual([
      expect.objectContaining({ status: 'completed', amountMinor: '1190' }),
    ]);
    expect(fake.requestsTo('/v1/refunds').at(-1)).toMatchObject({
      idempotencyKey: 'refund-refund-e2e-0001',
      body: { amount: '1190' },
    });
    expect(await app.availableNanocredits(app.acme.id)).toBe(parseCredits('42'));
    const tooMuch = await admin.call('POST', `/admin/api/payments/orders/${orderId}/refunds`, {
      credits: '100',
      reason: 'x',
    });
    expect(tooMuch).toMatchObject({ status: 422, body: { error: { code: 'REFUND_EXCEEDS_REFUNDABLE' } } });
  });
});
