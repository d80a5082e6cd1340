import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { addWorkspaceMember, createWorkspaceWithOwner } from '@tollgate/identity';
import { formatCredits } from '@tollgate/money';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';
import { PortalClient } from '../portal/portal-test-app';

jest.setTimeout(60_000);

async function eventually<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('page has no CSRF token');
  return token;
}

/** The text of the element with this id (amounts are plain text, nothing to unescape). */
function byId(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}">([^<]*)<`).exec(html)?.[1];
}

const OTHER_PASSWORD = 'other tenant password 1';

describe('customer workspace pages in the all-in-one product', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;
  let portal: PortalClient;
  let ws: string;
  let invoicePath = '';

  const postedNanocredits = async (): Promise<bigint> => {
    const { rows } = await pool.query(
      'SELECT posted_nanocredits::text AS p FROM balances WHERE account_id = $1',
      [ws],
    );
    return rows[0] ? BigInt(rows[0].p) : -1n;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-portal-ws-'));
    running = await bootstrap(
      loadConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_SEED_DEMO: 'true',
      }),
      () => undefined,
    );
    pool = new Pool({ connectionString: db.url, max: 2 });
    const demo = running.demo!;
    ws = demo.workspaceId;
    portal = new PortalClient(running.url);
    expect((await portal.signIn(demo.customerEmail, demo.customerPassword)).status).toBe(303);
    await eventually(async () => ((await postedNanocredits()) > 0n ? true : undefined), 'the seeded balance');
  });

  afterAll(async () => {
    await pool?.end();
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a signed-in customer, when it creates a key in the form and calls the gateway with it, then the secret is shown once, the request is in the log and the dashboard balance drops', async () => {
    const dashboard = await portal.request(`/w/${ws}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-security-policy')).toContain("default-src 'none'");
    const postedBefore = await postedNanocredits();
    expect(byId(dashboard.body, 'balance-posted')).toBe(formatCredits(postedBefore));

    const keysPage = await portal.request(`/w/${ws}/keys`);
    expect(keysPage.status).toBe(200);
    const created = await portal.request(`/w/${ws}/keys`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(keysPage.body),
        name: 'e2e key',
        allowedModels: running.demo!.alias,
        spendLimitCredits: '5',
        requestsPerMinute: '600',
        tokensPerMinute: '',
      },
    });
    expect(created.status).toBe(201);
    const secret = byId(created.body, 'new-key-secret');
    expect(secret).toMatch(/^tg_/);
    const keyId = new RegExp(
      `/w/${ws}/keys/(key_[0-9a-f-]+)/revoke" class="inline">\\s*<input type="hidden" name="_csrf" value="[^"]+">\\s*<button type="submit" class="button-quiet" aria-label="Revoke key e2e key"`,
    ).exec(created.body)?.[1];
    expect(keyId).toBeDefined();
    const again = await portal.request(`/w/${ws}/keys`);
    expect(again.body).not.toContain(secret!);
    expect(again.body).toContain('e2e key');

    // Bad key input is a 400 on the page and creates nothing.
    const bad = await portal.request(`/w/${ws}/keys`, {
      method: 'POST',
      form: { _csrf: csrfOf(again.body), name: 'bad', requestsPerMinute: 'many' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Requests per minute must be a whole number');
    expect((await portal.request(`/w/${ws}/keys`)).body).not.toContain('>bad<');

    const client = new OpenAI({ apiKey: secret!, baseURL: `${running.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: running.demo!.alias,
      messages: [{ role: 'user', content: 'hello from the portal test' }],
    });
    expect(completion.choices[0].message.content).toBeTruthy();

    await client.chat.completions.create({
      model: running.demo!.alias,
      messages: [{ role: 'user', content: 'and once more' }],
    });

    const both = await eventually(async () => {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM request_log WHERE api_key_id = $1', [
        keyId,
      ]);
      return rows[0].n === 2 ? true : undefined;
    }, 'both requests in the log');
    expect(both).toBe(true);
    const log = await eventually(async () => {
      const page = await portal.request(`/w/${ws}/requests?key=${keyId}`);
      expect(page.status).toBe(200);
      return /<tbody>\s*<tr><td data-label="Time">/.test(page.body) ? page.body : undefined;
    }, 'the request in the log page');
    const row = /<tbody>\s*(<tr><td data-label="Time">[\s\S]*?<\/tr>)/.exec(log)?.[1] ?? '';
    expect(row).toContain('data-label="Provider">Tollgate demo upstream');
    expect(row).toContain('e2e key');
    const { rows: logged } = await pool.query(
      `SELECT price_nanocredits::text AS price, balance_impact_nanocredits::text AS impact, prompt_tokens::text AS p
         FROM request_log WHERE account_id = $1 AND api_key_id = $2
        ORDER BY occurred_at DESC, event_id DESC LIMIT 1`,
      [ws, keyId],
    );
    expect(logged).toHaveLength(1);
    expect(row).toContain(`data-label="Tokens" class="num">${logged[0].p} / `);
    expect(row).toContain(`data-label="Cost" class="num">${formatCredits(BigInt(logged[0].price))}<`);
    expect(row).toContain(
      `data-label="Balance impact" class="num">${formatCredits(BigInt(logged[0].impact))}<`,
    );

    // Paging: one per page, the first page links to an older one and that one back.
    const first = await portal.request(`/w/${ws}/requests?key=${keyId}&perPage=1`);
    const next = /<a href="([^"]+)" rel="next">/
      .exec(first.body)?.[1]
      ?.replace(/&amp;/g, '&')
      .replace(/&#x3D;/g, '=');
    expect(next).toBe(`/w/${ws}/requests?key=${keyId}&perPage=1&page=2`);
    const second = await portal.request(next!);
    expect(second.body).toContain('rel="prev"');
    expect(second.body).not.toContain('rel="next"');
    expect((second.body.match(/<tr><td data-label="Time">/g) ?? []).length).toBe(1);

    // Filters narrow the log; another key's filter shows nothing.
    const none = await portal.request(`/w/${ws}/requests?key=key_00000000-0000-0000-0000-000000000000`);
    expect(none.body).toContain('No requests match.');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const todays = await portal.request(
      `/w/${ws}/requests?key=${keyId}&from=${today}&to=${today}&status=succeeded`,
    );
    expect((todays.body.match(/<tr><td data-label="Time">/g) ?? []).length).toBe(2);
    const future = await portal.request(`/w/${ws}/requests?key=${keyId}&from=${tomorrow}`);
    expect(future.body).toContain('No requests match.');
    const otherModel = await portal.request(`/w/${ws}/requests?model=no-such-model`);
    expect(otherModel.body).toContain('No requests match.');

    const postedAfter = await eventually(async () => {
      const page = await portal.request(`/w/${ws}/dashboard`);
      const shown = byId(page.body, 'balance-posted');
      return shown !== formatCredits(postedBefore) ? { shown, page: page.body } : undefined;
    }, 'the balance drop on the dashboard');
    expect(postedAfter.shown).toBe(formatCredits(await postedNanocredits()));
    expect(await postedNanocredits()).toBeLessThan(postedBefore);
    expect(postedAfter.page).toContain('<svg class="chart"');
    expect(postedAfter.page).toContain('Spend per day as a table');

    // Revoked from the page, the key no longer passes the gateway.
    const revoke = await portal.request(`/w/${ws}/keys/${keyId}/revoke`, {
      method: 'POST',
      form: { _csrf: csrfOf(postedAfter.page) },
    });
    expect(revoke.status).toBe(303);
    await expect(
      client.chat.completions.create({
        model: running.demo!.alias,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('given bad request-log filters, when the page is asked for, then 400 with a message naming the field', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'Invalid &quot;from&quot;'],
      ['perPage=500', 'Invalid &quot;perPage&quot;'],
      ['from=2026-02-30', 'not a calendar date'],
      ['from=2026-03-02&to=2026-03-01', 'must not be after'],
      ['sort=price', 'Unknown filter: sort'],
    ];
    for (const [query, message] of cases) {
      const res = await portal.request(`/w/${ws}/requests?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toContain(message);
    }
    const ok = await portal.request(`/w/${ws}/requests?from=2020-01-01&to=2099-12-31&perPage=100&page=1`);
    expect(ok.status).toBe(200);
  });

  it('given a billing profile saved in the form, when the customer buys a package and pays on the sandbox page, then the quote was shown, the order is listed and the balance rises', async () => {
    const empty = await portal.request(`/w/${ws}/billing`);
    expect(empty.status).toBe(200);
    expect(empty.body).toContain('Fill in the billing profile');
    const saved = await portal.request(`/w/${ws}/billing/profile`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(empty.body),
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
    expect(saved.status).toBe(303);
    const billing = await portal.request(`/w/${ws}/billing?saved=profile`);
    expect(billing.body).toContain('Billing profile saved.');
    expect(billing.body).toMatch(/<dt>Net<\/dt><dd>[\d.]+ [A-Z]{3}<\/dd>/);
    expect(billing.body).toMatch(/<dt>Total<\/dt><dd><strong>[\d.]+ [A-Z]{3}<\/strong><\/dd>/);
    const form =
      /<form method="post" action="\/w\/[^"]+\/billing\/buy">[\s\S]*?name="packageId" value="([^"]+)"[\s\S]*?name="idempotencyKey" value="([^"]+)"/.exec(
        billing.body,
      );
    expect(form).not.toBeNull();
    const [, packageId, idempotencyKey] = form!;
    const before = await postedNanocredits();

    const buy = await portal.request(`/w/${ws}/billing/buy`, {
      method: 'POST',
      form: { _csrf: csrfOf(billing.body), packageId, idempotencyKey },
    });
    expect(buy.status).toBe(303);
    const hosted = new URL(buy.headers.get('location')!);
    expect(hosted.pathname).toMatch(/^\/sandbox\/checkout\//);
    const page = await fetch(`${running.url}${hosted.pathname}`);
    const payAction = /<form method="post" action="([^"]+\/pay)"/.exec(await page.text())?.[1];
    expect(payAction).toBeDefined();
    expect((await fetch(`${running.url}${payAction}`, { method: 'POST', redirect: 'manual' })).status).toBe(
      303,
    );

    const after = await eventually(async () => {
      const p = await postedNanocredits();
      return p > before ? p : undefined;
    }, 'the credits of the payment');
    const { rows } = await pool.query(
      'SELECT credits_nanocredits::text AS c, status FROM payment_orders WHERE workspace_id = $1',
      [ws],
    );
    expect(rows).toHaveLength(1);
    expect(after - before).toBe(BigInt(rows[0].c));
    const dashboard = await eventually(async () => {
      const d = await portal.request(`/w/${ws}/dashboard`);
      return byId(d.body, 'balance-posted') === formatCredits(after) ? d : undefined;
    }, 'the dashboard showing the credits');
    expect(dashboard.status).toBe(200);
    const orders = await eventually(async () => {
      const b = await portal.request(`/w/${ws}/billing`);
      return /<table class="stack" id="orders">[\s\S]*<code>[0-9a-f-]{36}<\/code>/.test(b.body) &&
        !b.body.includes('<span class="badge">checkout_open</span>')
        ? b.body
        : undefined;
    }, 'the paid order in the orders table');
    expect(orders).not.toContain('No orders yet.');

    // A paid order gets a numbered invoice, downloadable as PDF from the billing page.
    const withInvoice = await eventually(async () => {
      const b = await portal.request(`/w/${ws}/billing`);
      return /<td data-label="Number">TG-\d{4}-\d{6}<\/td>/.test(b.body) ? b.body : undefined;
    }, 'the invoice on the billing page');
    invoicePath = /href="(\/w\/[^"]+\/invoices\/[^"]+\/pdf)"/.exec(withInvoice)?.[1] ?? '';
    expect(invoicePath).not.toBe('');
    const pdf = await fetch(`${running.url}${invoicePath}`, {
      headers: { cookie: `tg_session=${encodeURIComponent(portal.cookie('tg_session')!)}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');

    // The same rendered form again finds the same order: no second order.
    const twice = await portal.request(`/w/${ws}/billing/buy`, {
      method: 'POST',
      form: { _csrf: csrfOf(billing.body), packageId, idempotencyKey },
    });
    expect(twice.status).toBe(409);
    expect((await pool.query('SELECT 1 FROM payment_orders WHERE workspace_id = $1', [ws])).rowCount).toBe(1);
  });

  it('given the history so far, when the statement CSV is downloaded, then it is RFC 4180 and its closing balance equals the balances read model exactly', async () => {
    // Wait until the statement projection has caught up with the balance.
    const posted = await eventually(async () => {
      const { rows } = await pool.query(
        `SELECT b.posted_nanocredits::text AS posted,
                (SELECT coalesce(sum(amount_nanocredits), 0)::text FROM statement_lines s WHERE s.account_id = b.account_id) AS lines
           FROM balances b WHERE b.account_id = $1`,
        [ws],
      );
      return rows[0] && rows[0].posted === rows[0].lines ? BigInt(rows[0].posted) : undefined;
    }, 'statement lines to match the balance');
    const today = new Date().toISOString().slice(0, 10);
    const page = await portal.request(`/w/${ws}/statement?from=2020-01-01&to=${today}`);
    expect(page.status).toBe(200);
    expect(byId(page.body, 'closing')).toBe(formatCredits(posted));
    expect(page.body).toContain(`/w/${ws}/statement.csv?from&#x3D;2020-01-01&amp;to&#x3D;${today}`);

    const res = await portal.request(`/w/${ws}/statement.csv?from=2020-01-01&to=${today}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(res.body).toContain('\r\n');
    const records = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(records[0].type).toBe('opening_balance');
    expect(records[0].running_balance).toBe(formatCredits(0n));
    const closing = records[records.length - 1];
    expect(closing.type).toBe('closing_balance');
    expect(closing.running_balance).toBe(formatCredits(posted));
    expect(records.map((r) => r.type)).toEqual(expect.arrayContaining(['usage', 'purchase']));

    const bad = await portal.request(`/w/${ws}/statement.csv?from=2026-13-01`);
    expect(bad.status).toBe(400);
  });

  it('given a billing member and a plain member, when they use the forms outside their role, then 403 and nothing changes', async () => {
    await addWorkspaceMember(pool, {
      workspaceId: ws,
      email: 'bill@demo.test',
      password: 'billing password 1',
      displayName: 'Bill Ing',
      role: 'billing',
    });
    await addWorkspaceMember(pool, {
      workspaceId: ws,
      email: 'mem@demo.test',
      password: 'member password 1',
      displayName: 'Mem Ber',
      role: 'member',
    });
    const billing = new PortalClient(running.url);
    expect((await billing.signIn('bill@demo.test', 'billing password 1')).status).toBe(303);
    const keysPage = await billing.request(`/w/${ws}/keys`);
    expect(keysPage.status).toBe(200);
    expect(keysPage.body).not.toContain('Create a key');
    const keyWrite = await billing.request(`/w/${ws}/keys`, {
      method: 'POST',
      form: { _csrf: csrfOf(keysPage.body), name: 'not mine to make' },
    });
    expect(keyWrite.status).toBe(403);

    const member = new PortalClient(running.url);
    expect((await member.signIn('mem@demo.test', 'member password 1')).status).toBe(303);
    const billingPage = await member.request(`/w/${ws}/billing`);
    expect(billingPage.status).toBe(200);
    expect(billingPage.body).not.toContain('/billing/buy"');
    const ordersBefore = (await pool.query('SELECT count(*)::int AS n FROM payment_orders')).rows[0].n;
    const buy = await member.request(`/w/${ws}/billing/buy`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(billingPage.body),
        packageId: 'individual',
        idempotencyKey: '00000000-0000-4000-8000-000000000abc',
      },
    });
    expect(buy.status).toBe(403);
    expect((await pool.query('SELECT count(*)::int AS n FROM payment_orders')).rows[0].n).toBe(ordersBefore);
  });

  it('given a user of another workspace, when it asks for any of these pages or the CSV, then 404 and nothing changes', async () => {
    await createWorkspaceWithOwner(pool, {
      workspaceName: 'Other Tenant',
      ownerEmail: 'owner@other.test',
      ownerPassword: OTHER_PASSWORD,
      ownerDisplayName: 'Other Owner',
    });
    const other = new PortalClient(running.url);
    expect((await other.signIn('owner@other.test', OTHER_PASSWORD)).status).toBe(303);
    for (const path of ['dashboard', 'requests', 'keys', 'billing', 'statement', 'statement.csv']) {
      const res = await other.request(`/w/${ws}/${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).not.toContain('Demo');
    }
    expect(invoicePath).not.toBe('');
    expect((await other.request(invoicePath)).status).toBe(404);
    const home = await other.request('/');
    const ownWs = new URL(home.headers.get('location')!, running.url).pathname;
    expect(ownWs).toMatch(/^\/w\/[0-9a-f-]{36}$/);
    const own = await other.request(`${ownWs}/keys`);
    expect(own.status).toBe(200);
    const keysBefore = (await pool.query('SELECT count(*)::int AS n FROM gateway_api_keys')).rows[0].n;
    const write = await other.request(`/w/${ws}/keys`, {
      method: 'POST',
      form: { _csrf: csrfOf(own.body), name: 'sneaky' },
    });
    expect(write.status).toBe(404);
    expect((await pool.query('SELECT count(*)::int AS n FROM gateway_api_keys')).rows[0].n).toBe(keysBefore);
    // Signed out: the pages send you to sign in.
    const anonymous = await new PortalClient(running.url).request(`/w/${ws}/dashboard`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/login');
  });
});
