/// <reference lib="dom" />
// Page callbacks run in Chromium, so this file also sees the DOM types.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser } from '../support/browser';
import { startAllInOne, type AllInOne } from '../support/all-in-one';

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'screenshots');

jest.setTimeout(60_000);

describe('alerts and audit pages in Chromium', () => {
  let app: AllInOne;
  let browser: Browser;
  const problems: string[] = [];
  const saved = process.env.TOLLGATE_ALERTS_POLL_MS;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    process.env.TOLLGATE_ALERTS_POLL_MS = '100';
    app = await startAllInOne();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (saved === undefined) delete process.env.TOLLGATE_ALERTS_POLL_MS;
    else process.env.TOLLGATE_ALERTS_POLL_MS = saved;
  });

  async function signedIn(email: string, password: string): Promise<Page> {
    const page = await (await browser.createBrowserContext()).newPage();
    // A blocked inline style or script (CSP) is a console error: the pages must have none.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 500) problems.push(`${res.url()}: ${res.status()}`);
    });
    page.setDefaultTimeout(15_000);
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${app.running.url}/login`);
    await page.type('#email', email);
    await page.type('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  const unlabelled = (page: Page) =>
    page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
      els
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );

  it('given the demo owner, when it sets a threshold above its balance in the alerts form, then the secret is shown once, the dashboard shows the low-balance banner, and the admin finds the change in the audit log', async () => {
    const demo = app.running.demo!;
    const ws = demo.workspaceId;
    const owner = await signedIn(demo.customerEmail, demo.customerPassword);
    await owner.goto(`${app.running.url}/w/${ws}/alerts`);
    expect(await owner.$eval('nav.subnav a[aria-current="page"]', (a) => a.textContent)).toBe('Alerts');
    expect(await unlabelled(owner)).toEqual([]);
    await owner.type('#alert-thresholds', '1000000, 5');
    await owner.type('#alert-url', 'https://hooks.example.com/tollgate');
    await Promise.all([
      owner.waitForNavigation(),
      owner.click('#alert-settings-h ~ form button[type=submit]'),
    ]);
    expect(await owner.$eval('#webhook-secret', (e) => e.textContent)).toMatch(/^whsec_/);
    await owner.screenshot({ path: join(SCREENSHOTS, 'workspace-alerts-desktop.png'), fullPage: true });

    // The balance (25 demo credits) is below 1,000,000: the reactor records the crossing, the banner shows.
    const deadline = Date.now() + 20_000;
    let banner: string | null = null;
    while (Date.now() < deadline && !banner) {
      await owner.goto(`${app.running.url}/w/${ws}/dashboard`);
      banner = await owner.$eval('#low-balance-banner', (e) => e.textContent).catch(() => null);
      if (!banner) await new Promise((ok) => setTimeout(ok, 200));
    }
    expect(banner).toContain('below your alert threshold of 1000000 credits');
    await owner.screenshot({ path: join(SCREENSHOTS, 'workspace-dashboard-low-balance.png') });

    const admin = await signedIn(demo.adminEmail, demo.adminPassword);
    await admin.goto(`${app.running.url}/admin/audit`);
    expect(await unlabelled(admin)).toEqual([]);
    await admin.select('#a-action', 'LowBalanceAlertsSet');
    await Promise.all([admin.waitForNavigation(), admin.click('form.filters button[type=submit]')]);
    expect(new URL(admin.url()).searchParams.get('action')).toBe('LowBalanceAlertsSet');
    const rows = await admin.$$eval('tr.audit-row', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(demo.customerEmail);
    expect(rows[0]).toContain('https://hooks.example.com/tollgate');
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-audit-desktop.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
