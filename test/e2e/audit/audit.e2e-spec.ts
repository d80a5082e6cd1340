import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { AUDIT_CSV_HEADER } from '../../../apps/portal/src/audit/audit-csv';
import { PortalClient } from '../portal/portal-test-app';
import { eventually, startAllInOne, type AllInOne } from '../support/all-in-one';

jest.setTimeout(60_000);

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('page has no CSRF token');
  return token;
}

const decode = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The audit table's rows as the admin sees them: action, actor cell, changes list. */
function auditRows(html: string): { action: string; event: string; text: string }[] {
  return [
    ...html.matchAll(/<tr class="audit-row" data-action="([^"]+)" data-event="([^"]+)">([\s\S]*?)<\/tr>/g),
  ].map((m) => ({
    action: m[1],
    event: m[2],
    text: decode(m[3].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')),
  }));
}

describe('audit log in the admin workspace', () => {
  let app: AllInOne;
  let customer: PortalClient;
  let admin: PortalClient;
  let ws: string;
  const adminApi = (path: string, body: unknown, key?: string) =>
    fetch(`${app.running.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.running.config.adminToken}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await startAllInOne();
    const demo = app.running.demo!;
    ws = demo.workspaceId;
    customer = new PortalClient(app.running.url);
    admin = new PortalClient(app.running.url);
    expect((await customer.signIn(demo.customerEmail, demo.customerPassword)).status).toBe(303);
    expect((await admin.signIn(demo.adminEmail, demo.adminPassword)).status).toBe(303);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('given a grant, a manual order approved and refunded, alert settings, a key revoked, a price change and a policy change, all through the product, when an admin opens /admin/audit, then each action is listed with its actor and before/after, filters and paging narrow it, and the CSV parses back', async () => {
    const demo = app.running.demo!;
    // Owner: a billing profile and a manual (bank transfer) order through the portal forms.
    const billing = await customer.request(`/w/${ws}/billing`);
    const profile = await customer.request(`/w/${ws}/billing/profile`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(billing.body),
        legalName: 'Demo Customer Ltd',
        address1: '1 Demo Street',
        address2: '',
        postalCode: '10115',
        city: 'Berlin',
        region: '',
        country: 'DE',
        vatId: '',
        invoiceEmail: 'billing@demo.test',
      },
    });
    expect(profile.status).toBe(303);
    const ordered = await customer.request(`/w/${ws}/billing/buy`, {
      method: 'POST',
      form: { _csrf: csrfOf(billing.body), packageId: 'enterprise', idempotencyKey: randomUUID() },
    });
    expect(ordered.status).toBe(303);
    const orderId = decodeURIComponent(
      /ordered=([^&]+)/.exec(ordered.headers.get('location') ?? '')?.[1] ?? '',
    );
    expect(orderId).not.toBe('');

    // Admin (operator token): approve the order, refund one credit of it, grant credits.
    expect(
      (await adminApi(`/admin/api/payments/orders/${orderId}/approve`, { paymentReference: 'BANK-42' }))
        .status,
    ).toBe(200);
    await eventually(async () => {
      const { rows } = await app.pool.query(
        `SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND type = 'CreditsPurchased'`,
        [`account-${ws}`],
      );
      return rows[0].n > 0 ? true : undefined;
    }, 'the approved order credited');
    const refund = await adminApi(`/admin/api/payments/orders/${orderId}/refunds`, {
      credits: '1',
      reason: 'goodwill partial refund',
    });
    expect(refund.status).toBeLessThan(300);
    expect(
      (
        await adminApi(
          `/admin/api/workspaces/${ws}/credit-grants`,
          { credits: '3', reason: 'audit test grant' },
          'audit-grant-1',
        )
      ).status,
    ).toBe(201);

    // Owner: low-balance alert settings through the alerts page.
    const alertsPage = await customer.request(`/w/${ws}/alerts`);
    const savedAlerts = await customer.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: { _csrf: csrfOf(alertsPage.body), thresholds: '10, 2', webhookUrl: '' },
    });
    expect(savedAlerts.status).toBe(303);

    // Owner: an API key created and revoked through the keys page.
    const keysPage = await customer.request(`/w/${ws}/keys`);
    const created = await customer.request(`/w/${ws}/keys`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(keysPage.body),
        name: 'audit key',
        allowedModels: '',
        spendLimitCredits: '',
        requestsPerMinute: '',
        tokensPerMinute: '',
      },
    });
    expect(created.status).toBe(201);
    const keyId =
      /\/keys\/(key_[0-9a-f-]+)\/revoke" class="inline">\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<button type="submit" class="button-quiet" aria-label="Revoke key audit key"/.exec(
        created.body,
      )?.[1];
    expect(keyId).toBeDefined();
    const revoked = await customer.request(`/w/${ws}/keys/${keyId}/revoke`, {
      method: 'POST',
      form: { _csrf: csrfOf(created.body) },
    });
    expect(revoked.status).toBe(303);

    // Admin (operator token): a sell price change and a provider policy set twice.
    const price = await adminApi('/admin/api/sell-prices', {
      alias: demo.alias,
      price: { kind: 'markup', markupPercent: '55' },
    });
    expect(price.status).toBe(201);
    const policy = (denyProviders: string[]) =>
      fetch(`${app.running.url}/admin/api/workspaces/${ws}/policy`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${app.running.config.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ denyProviders }),
      });
    expect((await policy([])).status).toBeLessThan(300);
    expect((await policy(['audit-denied-provider'])).status).toBeLessThan(300);

    // Then: the admin page lists every kind of action.
    const expected = [
      'CreditsGranted',
      'CreditsRefunded',
      'ManualPaymentApproved',
      'RefundRequested',
      'PaymentOrderCreated',
      'LowBalanceAlertsSet',
      'SellPriceSet',
      'ApiKeyRevoked',
      'WorkspacePolicySet',
      'BillingProfileSaved',
    ];
    const page = await eventually(async () => {
      const res = await admin.request('/admin/audit?perPage=100');
      const listed = auditRows(res.body);
      const actions = new Set(listed.map((r) => r.action));
      // The last writes of each kind are in too (the projector is asynchronous).
      const last =
        listed.some((r) => r.text.includes('audit-denied-provider')) &&
        listed.some((r) => r.text.includes('"55"'));
      return last && expected.every((a) => actions.has(a)) ? res : undefined;
    }, 'every action in the audit log');
    expect(page.status).toBe(200);
    expect(page.body).toContain('aria-current="page">Audit log</a>');
    const rows = auditRows(page.body);
    const one = (action: string, contains = '') => {
      const found = rows.filter((r) => r.action === action && r.text.includes(contains));
      expect({ action, found: found.length }).toEqual({ action, found: 1 });
      return found[0].text;
    };
    expect(one('CreditsGranted', 'audit test grant')).toMatch(/admin-token[\s\S]*postedNanocredits/);
    expect(one('CreditsRefunded')).toContain('admin-token');
    expect(one('ManualPaymentApproved')).toMatch(/status : "created" → "confirmed"/);
    expect(one('PaymentOrderCreated')).toContain(demo.customerEmail);
    expect(one('LowBalanceAlertsSet')).toMatch(
      new RegExp(
        `${demo.customerEmail.replace('.', '\\.')}[\\s\\S]*thresholdsNanocredits : — → \\["10000000000","2000000000"\\]`,
      ),
    );
    expect(one('SellPriceSet', '"55"')).toMatch(
      /price : \{"kind":"markup","markupPercent":"40"\} → \{"kind":"markup","markupPercent":"55"\}/,
    );
    expect(one('BillingProfileSaved')).toMatch(
      new RegExp(`${demo.customerEmail.replace('.', '\\.')}[\\s\\S]*legalName : — → "Demo Customer Ltd"`),
    );
    expect(one('ApiKeyRevoked')).toMatch(
      new RegExp(`${demo.customerEmail.replace('.', '\\.')}[\\s\\S]*revoked : false → true`),
    );
    expect(one('WorkspacePolicySet', 'audit-denied-provider')).toContain(
      'denyProviders : [] → ["audit-denied-provider"]',
    );

    // Filters: by action, by actor email, by workspace and by date range.
    const grants = auditRows((await admin.request('/admin/audit?action=CreditsGranted')).body);
    expect(new Set(grants.map((r) => r.action))).toEqual(new Set(['CreditsGranted']));
    const byCustomer = auditRows(
      (await admin.request(`/admin/audit?actor=${encodeURIComponent(demo.customerEmail)}`)).body,
    );
    expect(byCustomer.length).toBeGreaterThanOrEqual(2);
    expect(byCustomer.every((r) => r.text.includes(demo.customerEmail))).toBe(true);
    const byWorkspace = auditRows((await admin.request(`/admin/audit?workspace=${ws}&perPage=100`)).body);
    expect(byWorkspace.map((r) => r.action)).not.toContain('SellPriceSet');
    expect(byWorkspace.map((r) => r.action)).toContain('ApiKeyRevoked');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(auditRows((await admin.request(`/admin/audit?from=${tomorrow}`)).body)).toEqual([]);
    const bad = await admin.request('/admin/audit?action=DropTables');
    expect(bad.status).toBe(400);
    expect(decode(bad.body)).toContain('not an action the audit log records');

    // Paging: two per page, the second page continues where the first stopped.
    const first = await admin.request('/admin/audit?perPage=2');
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1];
    expect(next).toBeDefined();
    const second = await admin.request(decode(next!));
    const firstIds = auditRows(first.body).map((r) => r.event);
    const secondIds = auditRows(second.body).map((r) => r.event);
    expect(firstIds).toHaveLength(2);
    expect(secondIds).toHaveLength(2);
    expect(secondIds.some((id) => firstIds.includes(id))).toBe(false);

    // A customer does not see the admin audit log at all.
    expect((await customer.request('/admin/audit')).status).toBe(404);

    // CSV: RFC 4180, parses back with every row and its JSON before/after.
    const csv = await admin.request(`/admin/audit.csv?workspace=${ws}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain('\r\n');
    const records: string[][] = parse(csv.body, { relax_column_count: false });
    expect(records[0]).toEqual([...AUDIT_CSV_HEADER]);
    const data = records.slice(1);
    expect(data).toHaveLength(byWorkspace.length);
    const col = (name: (typeof AUDIT_CSV_HEADER)[number]) => AUDIT_CSV_HEADER.indexOf(name);
    const revokedRow = data.find((r) => r[col('action')] === 'ApiKeyRevoked')!;
    expect(revokedRow[col('actor_email')]).toBe(demo.customerEmail);
    expect(JSON.parse(revokedRow[col('before')])).toMatchObject({ name: 'audit key', revoked: false });
    expect(JSON.parse(revokedRow[col('after')])).toMatchObject({ name: 'audit key', revoked: true });
    const alerts = data.find((r) => r[col('action')] === 'LowBalanceAlertsSet')!;
    expect(alerts[col('actor_email')]).toBe(demo.customerEmail);
    expect(alerts[col('before')]).toBe('');
    expect(data.every((r) => r[col('workspace_id')] === ws)).toBe(true);
  });
});
