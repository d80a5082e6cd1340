/// <reference lib="dom" />
// Page callbacks run in Chromium, so this file also sees the DOM types.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Pool } from 'pg';
import type { Browser, Page } from 'puppeteer-core';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';
import { launchBrowser } from '../support/browser';

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'screenshots');
const PHONE = { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900 };

jest.setTimeout(60_000);

describe('customer workspace pages in Chromium', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;
  let pool: Pool;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-portal-ws-browser-'));
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
    // Some usage, so the chart and the log have something to draw.
    const client = new OpenAI({ apiKey: running.demo!.apiKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      await client.chat.completions.create({
        model: running.demo!.alias,
        messages: [{ role: 'user', content: `hello ${i}` }],
      });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pool?.end();
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedInPage(viewport: typeof PHONE | typeof DESKTOP): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    // A blocked inline style or script (CSP) shows up as a console error: the pages must have none.
    // Failed loads are checked by URL below (Chromium's own /favicon.ico probe 404s: no favicon here).
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico')
        consoleErrors.push(`${res.url()}: ${res.status()}`);
    });
    await page.setViewport(viewport);
    page.setDefaultTimeout(10_000);
    await page.goto(`${running.url}/login`);
    await page.type('#email', running.demo!.customerEmail);
    await page.type('#password', running.demo!.customerPassword);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  async function unlabelledControls(page: Page): Promise<string[]> {
    return page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
      els
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
  }

  it('given the demo customer with some usage, when it opens the dashboard, requests and billing pages, then they render without script errors, every control is labelled, and screenshots are saved', async () => {
    const ws = running.demo!.workspaceId;
    // The usage must reach the read models before the screenshots.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM daily_usage WHERE account_id = $1', [
        ws,
      ]);
      if (rows[0].n > 0) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const page = await signedInPage(DESKTOP);
    for (const section of ['dashboard', 'requests', 'billing', 'keys', 'statement']) {
      const res = await page.goto(`${running.url}/w/${ws}/${section}`);
      expect({ section, status: res?.status() }).toEqual({ section, status: 200 });
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await page.$eval('nav.subnav a[aria-current="page"]', (a) => a.textContent)).toBeTruthy();
      await page.screenshot({ path: join(SCREENSHOTS, `workspace-${section}-desktop.png`), fullPage: true });
    }
    // The billing profile through the form, like a person would; then the quotes show net, tax, total.
    await page.goto(`${running.url}/w/${ws}/billing`);
    await page.type('#bp-name', 'Demo Customer Ltd');
    await page.type('#bp-address1', '1 Demo Street');
    await page.type('#bp-postal', '10115');
    await page.type('#bp-city', 'Berlin');
    await page.type('#bp-country', 'DE');
    await page.type('#bp-email', 'billing@demo.test');
    await Promise.all([page.waitForNavigation(), page.click('#profile-h ~ form button[type=submit]')]);
    expect(await page.$eval('[role=status]', (e) => e.textContent)).toContain('Billing profile saved.');
    expect(await page.$$eval('dl.quote', (q) => q.length)).toBeGreaterThan(0);
    await page.screenshot({
      path: join(SCREENSHOTS, 'workspace-billing-quoted-desktop.png'),
      fullPage: true,
    });

    await page.goto(`${running.url}/w/${ws}/dashboard`);
    expect(await page.$$eval('svg.chart rect', (r) => r.length)).toBeGreaterThan(0);
    // Keyboard: the first Tab lands on the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');

    const phone = await signedInPage(PHONE);
    for (const section of ['dashboard', 'requests']) {
      await phone.goto(`${running.url}/w/${ws}/${section}`);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect({ section, overflow }).toEqual({ section, overflow: 0 });
      await phone.screenshot({ path: join(SCREENSHOTS, `workspace-${section}-phone.png`), fullPage: true });
    }
    expect(consoleErrors).toEqual([]);
  });
});
