/// <reference lib="dom" />
// Page callbacks run in Chromium, so this file also sees the DOM types.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { PASSWORDS, startPortal, type PortalTestApp } from './portal-test-app';
import { launchBrowser } from '../support/browser';

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'screenshots');
const PHONE = { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 800 };

// A shared 2-core machine: generous per-test time, the tests themselves take well under a second or two.
jest.setTimeout(30_000);

describe('portal in a browser (Chromium)', () => {
  let portal: PortalTestApp;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    portal = await startPortal();
    browser = await launchBrowser();
  }, 60_000);

  afterEach(() => {
    const errors = consoleErrors.splice(0);
    // Error statuses (401, 404) the tests provoke are logged by Chromium too; anything else is a defect.
    expect(errors.filter((e) => !/the server responded with a status of 40[14]/.test(e))).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  async function freshPage(viewport: typeof PHONE | typeof DESKTOP): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    // A blocked inline style or script (CSP) shows up as a console error: the pages must have none.
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    await page.setViewport(viewport);
    page.setDefaultTimeout(10_000);
    return page;
  }

  /** Every visible form control must have a label a screen reader announces. */
  async function unlabelledControls(page: Page): Promise<string[]> {
    return page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
      els
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.type('#email', email);
    await page.type('#password', password);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  it('given a phone, when a user signs in with the keyboard, then the workspace page shows its name and members; sign-out ends it', async () => {
    const page = await freshPage(PHONE);
    const first = await page.goto(`${portal.url}/`);
    expect(first?.url()).toBe(`${portal.url}/login`);
    expect(await unlabelledControls(page)).toEqual([]);
    // The first Tab lands on the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.screenshot({ path: join(SCREENSHOTS, 'login-phone.png'), fullPage: true });

    await signIn(page, 'alice@acme.test', PASSWORDS.alice);
    expect(page.url()).toBe(`${portal.url}/w/${portal.acme.id}`);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Acme Robotics');
    expect(await unlabelledControls(page)).toEqual([]);
    const members = await page.$$eval('tbody tr', (rows) =>
      rows.map((r) =>
        Array.from(r.cells)
          .slice(0, 3)
          .map((c) => c.textContent?.trim())
          .join(' '),
      ),
    );
    expect(members).toEqual(['Alice Ng alice@acme.test owner', 'Carol Diaz carol@acme.test billing']);
    const overflowPx = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflowPx).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'workspace-phone.png'), fullPage: true });

    await Promise.all([page.waitForNavigation(), page.click('.who button[type=submit]')]);
    expect(page.url()).toBe(`${portal.url}/login`);
    await page.goto(`${portal.url}/w/${portal.acme.id}`);
    expect(page.url()).toBe(`${portal.url}/login?next=${encodeURIComponent(`/w/${portal.acme.id}`)}`);
    await page.close();
  });

  it('given only a keyboard, when tabbing through the login page, then the order is skip link, home, email, password, submit', async () => {
    const page = await freshPage(DESKTOP);
    await page.goto(`${portal.url}/login`);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          return el.id || el.textContent?.trim() || el.tagName;
        }),
      );
    }
    expect(order).toEqual(['Skip to content', 'Tollgate', 'email', 'password', 'Sign in']);
    // Back to the email field with Shift+Tab.
    await page.keyboard.down('Shift');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    await page.keyboard.type('carol@acme.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORDS.carol);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toBe(`${portal.url}/w/${portal.acme.id}`);
    await page.close();
  });

  it("given alice signed in, when she opens Globex's page and JSON by id, then 404 and nothing of Globex shows", async () => {
    const page = await freshPage(DESKTOP);
    await page.goto(`${portal.url}/login`);
    await signIn(page, 'alice@acme.test', PASSWORDS.alice);
    const html = await page.goto(`${portal.url}/w/${portal.globex.id}`);
    expect(html?.status()).toBe(404);
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain('Page not found');
    expect(text).not.toMatch(/Globex|bob@globex/);
    await page.screenshot({ path: join(SCREENSHOTS, 'not-found-desktop.png') });
    const json = await page.goto(`${portal.url}/api/workspaces/${portal.globex.id}`);
    expect(json?.status()).toBe(404);
    expect(await json?.text()).not.toContain('Globex');
    await page.close();
  });

  it('given a wrong password, when signing in, then the error is announced next to the form', async () => {
    const page = await freshPage(PHONE);
    await page.goto(`${portal.url}/login`);
    await signIn(page, 'bob@globex.test', 'definitely wrong');
    expect(await page.$eval('[role=alert]', (el) => el.textContent)).toContain('do not match');
    expect(await page.$eval('#email', (el) => el.getAttribute('aria-describedby'))).toBe('login-error');
    await page.screenshot({ path: join(SCREENSHOTS, 'login-error-phone.png'), fullPage: true });
    await page.close();
  });

  it('given an admin, when signed in, then the admin workspace lists every workspace', async () => {
    const page = await freshPage(DESKTOP);
    await page.goto(`${portal.url}/login`);
    await signIn(page, 'admin@tollgate.test', PASSWORDS.admin);
    expect(page.url()).toBe(`${portal.url}/admin`);
    const names = await page.$$eval('tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    expect(names).toEqual(expect.arrayContaining(['Acme Robotics', 'Globex Secret Labs']));
    expect(await unlabelledControls(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-desktop.png'), fullPage: true });
    await page.goto(`${portal.url}/account`);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'account-desktop.png'), fullPage: true });
    await page.close();
  });
});
