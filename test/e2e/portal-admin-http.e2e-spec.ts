import { randomUUID } from 'node:crypto';
import type { OrderView } from '@tollgate/payments';
import { PortalClient } from './portal/portal-test-app';
import { eventually, startAllInOne, type AllInOne } from './support/all-in-one';

jest.setTimeout(60_000);

/**
 * The admin pages' forms over plain HTTP, like a browser without script: refunds and rejections through
 * the payments service, and every refusal (bad input, missing CSRF token, unknown ids) changing nothing.
 */
describe('admin workspace forms over HTTP', () => {
  let app: AllInOne;
  let admin: PortalClient;
  let adminCsrf: string;
  let customerCall: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; body: { order: OrderView; checkout: { url: string } } }>;

  beforeAll(async () => {
    app = await startAllInOne();
    const demo = app.running.demo!;
    admin = new PortalClient(app.running.url);
    expect((await admin.signIn(demo.adminEmail, demo.adminPassword)).status).toBe(303);
    adminCsrf = /name="_csrf" value="([^"]+)"/.exec((await admin.request('/admin')).body)![1];

    const customer = new PortalClient(app.running.url);
    expect((await customer.signIn(demo.customerEmail, demo.customerPassword)).status).toBe(303);
    const cookie = `tg_session=${encodeURIComponent(customer.cookie('tg_session')!)}`;
    const me = (await (await fetch(`${app.running.url}/api/me`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    customerCall = async (method, path, body, headers = {}) => {
      const res = await fetch(`${app.running.url}/api/workspaces/${demo.workspaceId}${path}`, {
        method,
        headers: {
          cookie,
          'x-csrf-token': me.csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as never };
    };
    const profile = await customerCall('PUT', '/billing-profile', {
      legalName: 'Demo Customer Ltd',
      addressLines: ['1 Demo Street'],
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
      invoiceEmail: 'billing@demo.test',
    });
    expect(profile.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const posted = async () => {
    const { rows } = await app.pool.query(
      'SELECT posted_nanocredits::text AS p FROM balances WHERE account_id = $1',
      [app.running.demo!.workspaceId],
    );
    return BigInt(rows[0].p);
  };

  const adminPost = (path: string, form: Record<string, string>, csrf: string | null = adminCsrf) =>
    admin.request(path, { method: 'POST', form: csrf === null ? form : { _csrf: csrf, ...form } });

  it('given an order paid through the sandbox checkout, when the admin refunds 3 credits with a reason, then the balance drops by exactly 3 once, even if the form is sent twice; a refund without a reason changes nothing', async () => {
    const created = await customerCall(
      'POST',
      '/payments/orders',
      { packageId: 'individual' },
      { 'idempotency-key': `admin-http-${randomUUID()}` },
    );
    expect(created.status).toBe(201);
    const orderId = created.body.order.orderId;
    const initial = await posted();
    const checkout = await customerCall('POST', `/payments/orders/${orderId}/checkout`);
    const pagePath = new URL(checkout.body.checkout.url).pathname;
    expect(
      (await fetch(`${app.running.url}${pagePath}/pay`, { method: 'POST', redirect: 'manual' })).status,
    ).toBe(303);

    // The paid order appears with its refund form (and a refund id of its own).
    const page = await eventually(async () => {
      const res = await admin.request('/admin/orders');
      return res.body.includes(`action="/admin/orders/${orderId}/refund"`) ? res.body : undefined;
    }, 'the paid order on the admin page');
    const form = new RegExp(
      `action="/admin/orders/${orderId}/refund"[\\s\\S]*?name="refundId" value="([^"]+)"`,
    ).exec(page);
    const refundId = form![1];
    // Crediting is asynchronous: measure from the balance that includes the purchase.
    const before = await eventually(async () => {
      const p = await posted();
      return p === initial + BigInt(created.body.order.creditsNanocredits) ? p : undefined;
    }, 'the purchased credits');

    const noReason = await adminPost(`/admin/orders/${orderId}/refund`, {
      refundId,
      credits: '3',
      reason: '',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('Reason is required.');
    const tooMuch = await adminPost(`/admin/orders/${orderId}/refund`, {
      refundId: randomUUID(),
      credits: 'lots',
      reason: 'x',
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body).toContain('Credits to refund: enter a number of credits');
    expect(await posted()).toBe(before);

    const done = await adminPost(`/admin/orders/${orderId}/refund`, {
      refundId,
      credits: '3',
      reason: 'customer asked',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/orders?done=refunded');
    expect((await admin.request('/admin/orders?done=refunded')).body).toContain('Refund recorded.');
    const after = await eventually(async () => {
      const p = await posted();
      return p !== before ? p : undefined;
    }, 'the refund debit');
    expect(before - after).toBe(3_000_000_000n);
    // The same form again is the same refund: no second debit.
    expect(
      (
        await adminPost(`/admin/orders/${orderId}/refund`, {
          refundId,
          credits: '3',
          reason: 'customer asked',
        })
      ).status,
    ).toBe(303);
    await new Promise((ok) => setTimeout(ok, 500));
    expect(await posted()).toBe(after);
    const order = await customerCall('GET', `/payments/orders/${orderId}`);
    expect(order.body.order.refunds).toEqual([
      expect.objectContaining({
        refundId,
        status: 'completed',
        creditsNanocredits: '3000000000',
        reason: 'customer asked',
      }),
    ]);
  });

  it('given a pending manual order, when the admin rejects it without a reason, then it stays pending; with a reason, then it is rejected', async () => {
    const created = await customerCall(
      'POST',
      '/payments/orders',
      { packageId: 'enterprise' },
      { 'idempotency-key': `admin-http-${randomUUID()}` },
    );
    expect(created.status).toBe(201);
    const orderId = created.body.order.orderId;
    const refused = await adminPost(`/admin/orders/${orderId}/reject`, { reason: '  ' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Reason is required.');
    expect((await customerCall('GET', `/payments/orders/${orderId}`)).body.order.status).toBe('created');

    const rejected = await adminPost(`/admin/orders/${orderId}/reject`, {
      reason: 'no transfer arrived in 30 days',
    });
    expect(rejected.status).toBe(303);
    expect((await customerCall('GET', `/payments/orders/${orderId}`)).body.order.status).toBe('rejected');
    // Approving a rejected order is refused on the page.
    const late = await adminPost(`/admin/orders/${orderId}/approve`, { paymentReference: 'BANK-1' });
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect(late.body).toContain('role="alert"');
    expect((await customerCall('GET', `/payments/orders/${orderId}`)).body.order.status).toBe('rejected');
  });

  it('given an admin form sent without the session CSRF token, then it is refused with 403 and no credits are granted', async () => {
    const ws = app.running.demo!.workspaceId;
    const before = await posted();
    const res = await adminPost(
      `/admin/workspaces/${ws}/grants`,
      { credits: '100', reason: 'x', kind: 'manual', grantId: randomUUID() },
      null,
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('security token');
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await posted()).toBe(before);
  });

  it('given an alias whose name holds a slash, when the admin saves it, then its edit link and status form address it as one path segment', async () => {
    const providers = await admin.request('/admin/providers');
    const providerId = /action="\/admin\/providers\/([^/"]+)\/key"/.exec(providers.body)![1];
    const saved = await adminPost('/admin/aliases', {
      name: 'acme/slash-chat',
      policy: 'priority',
      providerId_0: providerId,
      upstreamModel_0: 'tollgate-demo-1',
      priority_0: '0',
      weight_0: '1',
    });
    expect(saved.status).toBe(303);
    const list = await eventually(async () => {
      const res = await admin.request('/admin/aliases');
      return res.body.includes('href="/admin/aliases/acme%2Fslash-chat/edit"') ? res.body : undefined;
    }, 'the alias on the aliases page');
    expect(list).toContain('action="/admin/aliases/acme%2Fslash-chat/status"');
    const edit = await admin.request('/admin/aliases/acme%2Fslash-chat/edit');
    expect(edit.status).toBe(200);
    expect(edit.body).toContain('Routing of acme/slash-chat');
    const retired = await adminPost('/admin/aliases/acme%2Fslash-chat/status', {
      to: 'retired',
      reason: 'test over',
    });
    expect(retired.status).toBe(303);
  });

  it('given several workspaces, when the admin searches by name, member email or id, then only the matches are listed; wildcards match literally', async () => {
    const created = await adminPost('/admin/workspaces', {
      name: 'Initech 50% Labs',
      ownerEmail: 'peter@initech.test',
    });
    expect(created.status).toBe(201);
    const rows = (body: string) =>
      [...body.matchAll(/<tr data-workspace-id="([^"]+)"><td data-label="Name"><a [^>]*>([^<]+)</g)].map(
        (m) => m[2],
      );
    expect(rows((await admin.request('/admin?q=initech')).body)).toEqual(['Initech 50% Labs']);
    expect(rows((await admin.request(`/admin?q=${encodeURIComponent('peter@initech')}`)).body)).toEqual([
      'Initech 50% Labs',
    ]);
    expect(rows((await admin.request(`/admin?q=${app.running.demo!.workspaceId}`)).body)).toEqual([
      'Demo Workspace',
    ]);
    expect(rows((await admin.request(`/admin?q=${encodeURIComponent('50%')}`)).body)).toEqual([
      'Initech 50% Labs',
    ]);
    // "%" alone is a literal percent sign, not "everything".
    expect(rows((await admin.request(`/admin?q=${encodeURIComponent('0% L')}`)).body)).toEqual([
      'Initech 50% Labs',
    ]);
    expect(rows((await admin.request(`/admin?q=${encodeURIComponent('%Demo')}`)).body)).toEqual([]);
    const none = await admin.request('/admin?q=no-such-workspace');
    expect(none.body).toContain('No workspace matches “no-such-workspace”.');
    expect(rows((await admin.request('/admin')).body)).toEqual(
      expect.arrayContaining(['Initech 50% Labs', 'Demo Workspace']),
    );
    expect((await admin.request('/admin?page=0')).status).toBe(400);
    expect((await admin.request(`/admin?q=${'x'.repeat(201)}`)).status).toBe(400);
  });

  it('given unknown or malformed ids and names, then the admin pages answer 404 or 400 with the reason, and nothing starts', async () => {
    expect((await admin.request('/admin/workspaces/not-a-uuid')).status).toBe(404);
    expect((await admin.request(`/admin/workspaces/${randomUUID()}`)).status).toBe(404);
    expect((await admin.request('/admin/aliases/no-such-alias/edit')).status).toBe(404);
    expect((await adminPost('/admin/orders/bad!id/approve', { paymentReference: 'x' })).status).toBe(404);
    expect((await adminPost('/admin/providers/prov_missing/key', { apiKey: 'k' })).status).toBe(404);
    const rebuild = await adminPost('/admin/projections/rebuild', { name: 'no_such_projection' });
    expect(rebuild.status).toBe(400);
    expect(rebuild.body).toContain('There is no projection named no_such_projection.');
    const status = (await (
      await fetch(`${app.running.url}/admin/projections/status.json`, {
        headers: { cookie: `tg_session=${encodeURIComponent(admin.cookie('tg_session')!)}` },
      })
    ).json()) as { rebuild: unknown; projections: { name: string }[] };
    expect(status.rebuild).toBeNull();
    expect(status.projections.map((p) => p.name)).toContain('balances');
    // A grant of a non-number is refused on the page with the field's message.
    const grant = await adminPost(`/admin/workspaces/${app.running.demo!.workspaceId}/grants`, {
      credits: '1e3',
      reason: 'x',
      kind: 'manual',
      grantId: randomUUID(),
    });
    expect(grant.status).toBe(400);
    expect(grant.body).toContain('Credits: enter a number of credits with at most 9 decimals.');
  });

  it('given an open alias, when a new sell price puts its margin below the threshold, then the aliases page shows a margin flag naming the alias and each deployment margin', async () => {
    const before = await admin.request('/admin/aliases');
    expect(before.status).toBe(200);
    expect(before.body).not.toContain('data-flagged-alias="demo-chat"');

    // When: a 10 % discount on cost is sold through the admin JSON API.
    const res = await fetch(`${app.running.url}/admin/api/sell-prices`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.running.config.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ alias: 'demo-chat', price: { kind: 'markup', markupPercent: '-10' } }),
    });
    expect(res.status).toBeLessThan(300);

    // Then: flagged on the admin workspace, with the negative margin of its deployment.
    const page = await eventually(async () => {
      const p = await admin.request('/admin/aliases');
      return p.body.includes('data-flagged-alias="demo-chat"') ? p : undefined;
    }, 'the margin flag of demo-chat');
    const flag = /<li data-flagged-alias="demo-chat">([\s\S]*?)<\/li>/.exec(page.body)![1];
    expect(flag).toContain('margin below 0%');
    expect(flag).toMatch(/: -11\.1[0-9] %/);
  });
});
