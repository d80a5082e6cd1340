/// <reference lib="dom" />
// Page callbacks run in Chromium, so this file also sees the DOM types.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startAllInOne, type AllInOne } from './support/all-in-one';
import { launchBrowser } from './support/browser';

const SCREENSHOTS = join(__dirname, '..', '..', 'screenshots');
const PHONE = { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900 };
/** Read models and the catalog are projections: what a write changes shows up within moments. */
const EVENTUALLY_MS = 20_000;

jest.setTimeout(90_000);

describe('admin workspace in Chromium', () => {
  let app: AllInOne;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startAllInOne();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const url = (path: string) => `${app.running.url}${path}`;

  async function signedIn(who: 'admin' | 'customer', viewport = DESKTOP): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    // A blocked script (CSP) or a script error shows up here; the admin pages must have none.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${String(err)}`));
    await page.setViewport(viewport);
    page.setDefaultTimeout(10_000);
    const demo = app.running.demo!;
    await page.goto(url('/login'));
    await page.type('#email', who === 'admin' ? demo.adminEmail : demo.customerEmail);
    await page.type('#password', who === 'admin' ? demo.adminPassword : demo.customerPassword);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  /** Submits the form that holds `selector` (a control or button in it) and waits for the next page. */
  async function submit(page: Page, buttonSelector: string): Promise<number | undefined> {
    const [response] = await Promise.all([page.waitForNavigation(), page.click(buttonSelector)]);
    return response?.status();
  }

  /** Reloads `path` until `read` gives a value (projections are asynchronous). */
  async function eventuallyOn<T>(page: Page, path: string, read: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + EVENTUALLY_MS;
    for (;;) {
      await page.goto(url(path));
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${path}`);
      await new Promise((ok) => setTimeout(ok, 250));
    }
  }

  async function unlabelledControls(page: Page): Promise<string[]> {
    return page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
      els
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
  }

  const credits = (text: string | null | undefined) => {
    const [whole, frac = ''] = (text ?? '').trim().split('.');
    return BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  };

  it('given a customer who orders the manual (bank transfer) package, when the admin approves it, then the order leaves the pending list and the customer balance rises by its credits', async () => {
    const ws = app.running.demo!.workspaceId;
    // The customer: billing profile, then "Order (pay by transfer)" for the Enterprise package.
    const customer = await signedIn('customer');
    await customer.goto(url(`/w/${ws}/billing`));
    await customer.type('#bp-name', 'Demo Customer Ltd');
    await customer.type('#bp-address1', '1 Demo Street');
    await customer.type('#bp-postal', '10115');
    await customer.type('#bp-city', 'Berlin');
    await customer.type('#bp-country', 'DE');
    await customer.type('#bp-email', 'billing@demo.test');
    await submit(customer, '#profile-h ~ form button[type=submit]');
    await submit(customer, 'button[aria-label^="Buy Enterprise"]');
    // The demo's 25 welcome credits, once the balance read model has them.
    const before = await eventuallyOn(customer, `/w/${ws}/dashboard`, async () => {
      const text = await customer.$eval('#balance-available', (e) => e.textContent).catch(() => null);
      return text !== null && credits(text) === 25_000_000_000n ? credits(text) : undefined;
    });

    const admin = await signedIn('admin');
    const orderId = await eventuallyOn(admin, '/admin/orders', () =>
      admin
        .$eval('.pending-order', (e) => e.getAttribute('data-order-id') ?? undefined)
        .catch(() => undefined),
    );
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-orders-pending-desktop.png'), fullPage: true });

    // Approving without a payment reference is refused on the page and changes nothing.
    await admin.evaluate(() =>
      document.querySelectorAll('form').forEach((f) => f.setAttribute('novalidate', '')),
    );
    expect(
      await submit(admin, `.pending-order[data-order-id="${orderId}"] form[action$="/approve"] button`),
    ).toBe(400);
    expect(await admin.$eval('[role=alert]', (e) => e.textContent)).toContain(
      'Payment reference is required',
    );
    expect(await admin.$(`.pending-order[data-order-id="${orderId}"]`)).not.toBeNull();

    await admin.type(
      `.pending-order[data-order-id="${orderId}"] input[name=paymentReference]`,
      'BANK-2026-0042',
    );
    await submit(admin, `.pending-order[data-order-id="${orderId}"] form[action$="/approve"] button`);
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Order approved');

    // Enterprise: 5,000 credits plus 750 bonus.
    const after = await eventuallyOn(customer, `/w/${ws}/dashboard`, async () => {
      const now = credits(await customer.$eval('#balance-available', (e) => e.textContent));
      return now > before ? now : undefined;
    });
    expect(after - before).toBe(5_750_000_000_000n);
    // The admin's workspace page shows the same balance.
    await admin.goto(url(`/admin/workspaces/${ws}`));
    expect(credits(await admin.$eval('#balance-available', (e) => e.textContent))).toBe(after);
    await eventuallyOn(admin, '/admin/orders', async () =>
      (await admin.$(`.pending-order[data-order-id="${orderId}"]`)) === null ? true : undefined,
    );
  });

  it('given the admin on a workspace, when granting credits with a reason, then the balance rises by exactly that; a bad amount is refused and changes nothing', async () => {
    const ws = app.running.demo!.workspaceId;
    const admin = await signedIn('admin');
    await admin.goto(url(`/admin/workspaces/${ws}`));
    const before = credits(await admin.$eval('#balance-available', (e) => e.textContent));

    await admin.evaluate(() =>
      document.querySelectorAll('form').forEach((f) => f.setAttribute('novalidate', '')),
    );
    await admin.type('#grant-amount', '-5');
    await admin.type('#grant-reason', 'goodwill');
    expect(await submit(admin, '#grant-h ~ form button[type=submit]')).toBe(400);
    expect(await admin.$eval('[role=alert]', (e) => e.textContent)).toContain(
      'Credits must be more than zero',
    );
    // The form keeps what was typed.
    expect(await admin.$eval('#grant-reason', (e) => (e as HTMLInputElement).value)).toBe('goodwill');

    await admin.$eval('#grant-amount', (e) => ((e as HTMLInputElement).value = ''));
    await admin.type('#grant-amount', '12.345');
    await submit(admin, '#grant-h ~ form button[type=submit]');
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain(
      'Granted 12.345000000 credits',
    );
    const after = await eventuallyOn(admin, `/admin/workspaces/${ws}`, async () => {
      const now = credits(await admin.$eval('#balance-available', (e) => e.textContent));
      return now !== before ? now : undefined;
    });
    expect(after - before).toBe(12_345_000_000n);
    expect(await unlabelledControls(admin)).toEqual([]);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-workspace-desktop.png'), fullPage: true });
  });

  it('given the admin, when adding a provider, its cost profile, an alias routed to it and a 25 % markup, then the provider shows "key set" without the key and the margin reads 20.00 %', async () => {
    const admin = await signedIn('admin');
    const secret = `sk-test-${Date.now()}-never-shown`;
    await admin.goto(url('/admin/providers'));
    await admin.type('#new-prov-name', 'Acme upstream');
    await admin.type('#new-prov-url', 'http://127.0.0.1:9/v1');
    await admin.type('#new-prov-key', secret);
    await submit(admin, '#new-prov-h ~ form button[type=submit]');
    const keySet = await eventuallyOn(admin, '/admin/providers', () =>
      admin
        .$$eval('article', (cards) =>
          cards
            .filter((c) => c.querySelector('h3')?.textContent === 'Acme upstream')
            .map((c) => c.querySelector('.provider-key-set')?.textContent ?? ''),
        )
        .then((found) => found[0]),
    );
    expect(keySet).toBe('yes');
    expect(await admin.content()).not.toContain(secret);
    expect(await unlabelledControls(admin)).toEqual([]);

    // A cost profile with a price that is not a number is refused and nothing is added.
    await admin.goto(url('/admin/prices'));
    const providerId = await admin.$$eval('#cost-provider option', (opts) =>
      opts.find((o) => o.textContent === 'Acme upstream')?.getAttribute('value'),
    );
    expect(providerId).toBeTruthy();
    await admin.select('#cost-provider', providerId!);
    await admin.type('#cost-model', 'acme-large');
    await admin.type('#cost-input', 'cheap');
    await admin.type('#cost-output', '3');
    expect(await submit(admin, '#new-cost-h ~ form button[type=submit]')).toBe(400);
    expect(await admin.$eval('[role=alert]', (e) => e.textContent)).toMatch(/inputPerMillion|Input/);
    expect(await admin.$eval('#cost-model', (e) => (e as HTMLInputElement).value)).toBe('acme-large');
    await admin.$eval('#cost-input', (e) => ((e as HTMLInputElement).value = ''));
    await admin.type('#cost-input', '1');
    await submit(admin, '#new-cost-h ~ form button[type=submit]');
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Cost profile version added');
    // The catalog records who made the change: the signed-in admin, not a generic actor.
    const { rows: costRows } = await app.pool.query(
      "SELECT actor FROM gateway_cost_profiles WHERE upstream_model = 'acme-large'",
    );
    const { rows: adminRows } = await app.pool.query('SELECT id FROM users WHERE email = $1', [
      app.running.demo!.adminEmail,
    ]);
    expect(costRows).toEqual([{ actor: `user:${adminRows[0].id}` }]);

    // Routing: a new alias with one deployment on the new provider.
    await admin.goto(url('/admin/aliases/new/edit'));
    await admin.type('#alias-name', 'acme-chat');
    await admin.select('#dep-0-provider', providerId!);
    await admin.type('#dep-0-model', 'acme-large');
    await admin.type('#dep-0-priority', '0');
    await admin.type('#dep-0-weight', '1');
    expect(await unlabelledControls(admin)).toEqual([]);
    await submit(admin, 'form button[type=submit]:not(.button-quiet)');
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Routing saved');

    await admin.goto(url('/admin/prices'));
    await admin.type('#price-alias', 'acme-chat');
    await admin.select('#price-kind', 'markup');
    await admin.type('#price-markup', '25');
    await submit(admin, '#new-price-h ~ form button[type=submit]');
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Sell price version added');

    // Cost of the reference mix: 0.7 × 1 + 0.3 × 3 = 1.6; price × 1.25 = 2.0; margin 0.4 / 2.0 = 20 %.
    const margin = await eventuallyOn(admin, '/admin/prices', () =>
      admin
        .$$eval('#margins tr[data-alias="acme-chat"] td', (tds) =>
          tds.map((td) => td.textContent?.trim() ?? ''),
        )
        .then((cells) => (cells.some((c) => c.includes('%')) ? cells : undefined)),
    );
    expect(margin).toEqual([
      'acme-chat',
      'Acme upstream / acme-large',
      '1.600000000',
      '2.000000000',
      '20.00 %',
    ]);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-prices-desktop.png'), fullPage: true });
    await eventuallyOn(admin, '/admin/aliases', async () =>
      (await admin.content()).includes('acme-large') ? true : undefined,
    );
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-aliases-desktop.png'), fullPage: true });
  });

  it('given the provider and alias added above, when the admin edits the Base URL and moves the alias through its lifecycle, then the changes show; opening at a loss is refused unless overridden', async () => {
    const admin = await signedIn('admin');
    await admin.goto(url('/admin/providers'));
    const card = 'article[data-provider-name="Acme upstream"]';
    await admin.$eval(`${card} input[name=baseUrl]`, (e) => ((e as HTMLInputElement).value = ''));
    await admin.type(`${card} input[name=baseUrl]`, 'http://127.0.0.1:10/v2');
    await submit(admin, `${card} form[action$="/base-url"] button`);
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Base URL saved');
    await eventuallyOn(admin, '/admin/providers', async () =>
      (await admin.$eval(`${card} .provider-base-url`, (e) => e.textContent)) === 'http://127.0.0.1:10/v2'
        ? true
        : undefined,
    );

    const alias = (name: string) => `article[data-alias="${name}"]`;
    const statusOf = (name: string) => admin.$eval(`${alias(name)} .alias-status`, (e) => e.textContent);
    await admin.goto(url('/admin/aliases'));
    expect(await statusOf('acme-chat')).toBe('draft');
    await admin.type(`${alias('acme-chat')} form[data-to=open] input[name=reason]`, 'margin 20 % reviewed');
    await submit(admin, `${alias('acme-chat')} form[data-to=open] button`);
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Alias status changed');
    await eventuallyOn(admin, '/admin/aliases', async () =>
      (await statusOf('acme-chat')) === 'open' ? true : undefined,
    );
    await admin.type(`${alias('acme-chat')} form[data-to=paused] input[name=reason]`, 'maintenance');
    await submit(admin, `${alias('acme-chat')} form[data-to=paused] button`);
    await eventuallyOn(admin, '/admin/aliases', async () =>
      (await statusOf('acme-chat')) === 'paused' ? true : undefined,
    );

    // An alias sold below cost: opening is refused with the catalog's reason, and the status stays.
    await admin.goto(url('/admin/aliases/new/edit'));
    await admin.type('#alias-name', 'acme-cheap');
    const providerId = await admin.$$eval('#dep-0-provider option', (opts) =>
      opts.find((o) => o.textContent === 'Acme upstream')?.getAttribute('value'),
    );
    await admin.select('#dep-0-provider', providerId!);
    await admin.type('#dep-0-model', 'acme-large');
    await submit(admin, 'form button[type=submit]:not(.button-quiet)');
    await admin.goto(url('/admin/prices'));
    await admin.type('#price-alias', 'acme-cheap');
    await admin.select('#price-kind', 'per_million');
    await admin.type('#price-input', '0.1');
    await admin.type('#price-output', '0.1');
    await submit(admin, '#new-price-h ~ form button[type=submit]');
    await eventuallyOn(admin, '/admin/aliases', async () =>
      (await admin.$(`${alias('acme-cheap')} form[data-to=open]`)) !== null &&
      (await admin.$eval(`${alias('acme-cheap')} td.loss`, (e) => e.textContent).catch(() => null)) !== null
        ? true
        : undefined,
    );
    await admin.type(`${alias('acme-cheap')} form[data-to=open] input[name=reason]`, 'launch');
    expect(await submit(admin, `${alias('acme-cheap')} form[data-to=open] button`)).toBeGreaterThanOrEqual(
      400,
    );
    expect(await admin.$eval('[role=alert]', (e) => e.textContent)).toMatch(/margin below/i);
    expect(await statusOf('acme-cheap')).not.toBe('open');
    await admin.type(`${alias('acme-cheap')} form[data-to=open] input[name=reason]`, 'launch');
    await admin.type(
      `${alias('acme-cheap')} form[data-to=open] input[name=overrideReason]`,
      'loss leader for a week',
    );
    await submit(admin, `${alias('acme-cheap')} form[data-to=open] button`);
    await eventuallyOn(admin, '/admin/aliases', async () =>
      (await statusOf('acme-cheap')) === 'open' ? true : undefined,
    );
    await admin.screenshot({
      path: join(SCREENSHOTS, 'admin-aliases-lifecycle-desktop.png'),
      fullPage: true,
    });
  });

  it('given the admin on the projections page, when starting a rebuild of balances, then the progress display reaches done and the live version goes up', async () => {
    const admin = await signedIn('admin');
    await admin.goto(url('/admin/projections'));
    const versionBefore = Number(
      await admin.$eval('tr[data-projection="balances"] .projection-version', (e) => e.textContent),
    );
    expect(versionBefore).toBeGreaterThan(0);
    await admin.select('#rebuild-name', 'balances');
    await submit(admin, '#rebuild-h ~ form button[type=submit]');
    expect(await admin.$eval('[role=status]', (e) => e.textContent)).toContain('Rebuild started');
    await admin.screenshot({
      path: join(SCREENSHOTS, 'admin-projections-rebuilding-desktop.png'),
      fullPage: true,
    });
    // The page's own script polls the JSON status and reloads once the switch is done.
    await admin.waitForFunction(
      () => document.querySelector('#rebuild-progress')?.getAttribute('data-state') === 'done',
      { timeout: 30_000, polling: 200 },
    );
    await admin.waitForSelector('tr[data-projection="balances"] .projection-version');
    expect(await admin.$eval('.rebuild-state', (e) => e.textContent)).toBe('done');
    expect(await admin.$eval('#rebuild-progress progress', (e) => (e as HTMLProgressElement).value)).toBe(
      100,
    );
    const versionAfter = Number(
      await admin.$eval('tr[data-projection="balances"] .projection-version', (e) => e.textContent),
    );
    expect(versionAfter).toBe(versionBefore + 1);
    const status = await admin.evaluate(() => fetch('/admin/projections/status.json').then((r) => r.json()));
    expect(status.rebuild).toMatchObject({ state: 'done', percent: 100, projections: ['balances'] });
    expect(status.projections.find((p: { name: string }) => p.name === 'balances')).toMatchObject({
      liveVersion: versionAfter,
      status: expect.any(String),
      lagEvents: expect.any(Number),
      lagSeconds: expect.any(Number),
    });
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-projections-desktop.png'), fullPage: true });
  });

  it('given a signed-in customer (not an admin), when opening every admin page and JSON, or posting to admin forms, then each answers 404 and nothing changes', async () => {
    const ws = app.running.demo!.workspaceId;
    const customer = await signedIn('customer');
    const gets = [
      '/admin',
      `/admin/workspaces/${ws}`,
      '/admin/providers',
      '/admin/prices',
      '/admin/aliases',
      '/admin/aliases/new/edit',
      '/admin/orders',
      '/admin/projections',
      '/admin/projections/status.json',
      '/admin/projections/rebuild.json',
    ];
    for (const path of gets) {
      const res = await customer.goto(url(path));
      expect({ path, status: res?.status() }).toEqual({ path, status: 404 });
    }
    expect(await customer.content()).not.toContain('rebuild');
    await customer.goto(url(`/w/${ws}/dashboard`));
    const before = await customer.$eval('#balance-available', (e) => e.textContent);
    // With the session's own cookie and CSRF token, so only the admin check can refuse them.
    const csrf = await customer.$eval('input[name=_csrf]', (e) => (e as HTMLInputElement).value);
    const cookie = (await customer.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forms: [string, Record<string, string>][] = [
      [
        `/admin/workspaces/${ws}/grants`,
        { credits: '1000', reason: 'x', kind: 'manual', grantId: randomUUID() },
      ],
      ['/admin/providers', { name: 'Evil', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' }],
      ['/admin/prices/sell-prices', { alias: 'demo-chat', kind: 'markup', markupPercent: '-99' }],
      ['/admin/projections/rebuild', { name: '' }],
      ['/admin/orders/some-order/approve', { paymentReference: 'x' }],
    ];
    const posts: [string, number][] = [];
    for (const [path, fields] of forms) {
      const res = await fetch(url(path), {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
        redirect: 'manual',
      });
      posts.push([path, res.status]);
    }
    const json = await fetch(url('/admin/projections/status.json'), { headers: { cookie } });
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    for (const [path, status] of posts) expect({ path, status }).toEqual({ path, status: 404 });
    await new Promise((ok) => setTimeout(ok, 500));
    await customer.goto(url(`/w/${ws}/dashboard`));
    expect(await customer.$eval('#balance-available', (e) => e.textContent)).toBe(before);
    const { rows } = await app.pool.query(
      "SELECT count(*)::int AS n FROM gateway_providers WHERE name = 'Evil'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('given the admin on a desktop and on a phone, when opening each admin page, then every control is labelled, the nav marks the page, nothing overflows the phone, and screenshots are saved', async () => {
    const ws = app.running.demo!.workspaceId;
    const pages: [string, string][] = [
      ['overview', '/admin'],
      ['workspace', `/admin/workspaces/${ws}`],
      ['providers', '/admin/providers'],
      ['prices', '/admin/prices'],
      ['aliases', '/admin/aliases'],
      ['alias-edit', '/admin/aliases/demo-chat/edit'],
      ['orders', '/admin/orders'],
      ['projections', '/admin/projections'],
    ];
    const desktop = await signedIn('admin');
    const phone = await signedIn('admin', PHONE);
    for (const [name, path] of pages) {
      const res = await desktop.goto(url(path));
      expect({ name, status: res?.status() }).toEqual({ name, status: 200 });
      expect({ name, unlabelled: await unlabelledControls(desktop) }).toEqual({ name, unlabelled: [] });
      expect(await desktop.$eval('nav.subnav a[aria-current="page"]', (a) => a.textContent)).toBeTruthy();
      await desktop.screenshot({ path: join(SCREENSHOTS, `admin-${name}-desktop.png`), fullPage: true });
      await phone.goto(url(path));
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await phone.screenshot({ path: join(SCREENSHOTS, `admin-${name}-phone.png`), fullPage: true });
    }
    // The nav links to the margin review built beside these pages.
    expect(await desktop.$eval('nav.subnav a[href="/admin/margins"]', (a) => a.textContent)).toBe(
      'Margin review',
    );
    // Keyboard: the first Tab lands on the skip link.
    await desktop.goto(url('/admin'));
    await desktop.keyboard.press('Tab');
    expect(await desktop.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect(pageErrors).toEqual([]);
  });
});
