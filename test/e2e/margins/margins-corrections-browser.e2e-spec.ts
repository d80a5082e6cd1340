/// <reference lib="dom" />
// Page callbacks run in Chromium, so this file also sees the DOM types.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'puppeteer-core';
import { eventually, startAllInOne, type AllInOne } from '../support/all-in-one';
import { launchBrowser } from '../support/browser';

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const EVENTUALLY_MS = 30_000;

jest.setTimeout(120_000);

/** Exact credits text ("0.000012000") → nanocredits. */
const nanos = (text: string | null | undefined): bigint => {
  const t = (text ?? '').trim();
  const negative = t.startsWith('-');
  const [whole, frac = ''] = t.replace(/^-/, '').split('.');
  const n = BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  return negative ? -n : n;
};

describe('admin corrects a cost profile in the browser: preview, apply, rebuild progress, corrected margins', () => {
  let app: AllInOne;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startAllInOne();
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const url = (path: string) => `${app.running.url}${path}`;

  async function signedInAdmin(): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${String(err)}`));
    await page.setViewport(DESKTOP);
    page.setDefaultTimeout(15_000);
    const demo = app.running.demo!;
    await page.goto(url('/login'));
    await page.type('#email', demo.adminEmail);
    await page.type('#password', demo.adminPassword);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  async function setValue(page: Page, selector: string, value: string): Promise<void> {
    await page.$eval(selector, (el, v) => ((el as HTMLInputElement).value = v as string), value);
  }

  async function submit(page: Page, selector: string): Promise<number | undefined> {
    const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
    return response?.status();
  }

  async function applyAndWait(page: Page): Promise<string> {
    expect(await submit(page, '#apply-button')).toBe(200);
    expect(page.url()).toMatch(/\/admin\/corrections\/jobs\/\d+$/);
    const deadline = Date.now() + EVENTUALLY_MS;
    for (;;) {
      const state = await page.$eval('#job-state', (e) => e.textContent ?? '');
      if (state !== 'running') return state;
      if (Date.now() > deadline) throw new Error('correction job did not finish');
      await new Promise((ok) => setTimeout(ok, 300));
      await page.reload();
    }
  }

  it('given real traffic, when the admin corrects the cost over the last hour, then the preview, the applied rebuild and the margin review agree and a second apply changes nothing', async () => {
    const demo = app.running.demo!;
    const client = new OpenAI({ apiKey: demo.apiKey, baseURL: `${app.running.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      await client.chat.completions.create({
        model: demo.alias,
        messages: [{ role: 'user', content: `hello ${i}` }],
      });
    await eventually(async () => {
      const { rows } = await app.pool
        .query<{ n: string }>(`SELECT count(*)::text AS n FROM margin_requests`)
        .catch(() => ({ rows: [{ n: '0' }] }));
      return Number(rows[0].n) >= 3 ? true : undefined;
    }, 'margin rows for the requests');

    const admin = await signedInAdmin();
    await admin.goto(url('/admin/margins'));
    const row = await admin.$eval(`#margin-review tr[data-alias="${demo.alias}"]`, (tr) => ({
      provider: tr.getAttribute('data-provider') ?? '',
      model: tr.getAttribute('data-model') ?? '',
      requests: tr.querySelector('.requests')?.textContent ?? '',
      cost: tr.querySelector('.cost')?.textContent ?? '',
    }));
    expect(Number(row.requests)).toBeGreaterThanOrEqual(3);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-margins-before.png'), fullPage: true });

    // The form: a cost correction of the demo deployment's model since an hour ago, no re-rating.
    await admin.goto(url('/admin/corrections'));
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
    await setValue(admin, '#c-id', 'e2e-cost-1');
    await setValue(admin, '#c-provider', row.provider);
    await setValue(admin, '#c-model', row.model);
    await setValue(admin, '#c-in', '1000');
    await setValue(admin, '#c-out', '2000');
    await setValue(admin, '#c-from', hourAgo);
    await setValue(admin, '#c-reason', 'provider invoice shows a higher price');

    // A missing reason is refused on the page and nothing is written.
    await setValue(admin, '#c-reason', '');
    await admin.evaluate(() =>
      document.querySelectorAll('form').forEach((f) => f.setAttribute('novalidate', '')),
    );
    expect(await submit(admin, '#preview-button')).toBe(400);
    expect(await admin.$eval('[role=alert]', (e) => e.textContent)).toContain('Reason is required');
    await setValue(admin, '#c-reason', 'provider invoice shows a higher price');
    expect(await submit(admin, '#preview-button')).toBe(200);

    const requests = Number(await admin.$eval('#preview-requests', (e) => e.textContent));
    expect(requests).toBeGreaterThanOrEqual(3);
    const costBefore = nanos(await admin.$eval('#cost-before', (e) => e.textContent));
    const costAfter = nanos(await admin.$eval('#cost-after', (e) => e.textContent));
    expect(costBefore).toBe(nanos(row.cost));
    expect(costAfter).toBeGreaterThan(costBefore);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-correction-preview.png'), fullPage: true });
    const { rows: none } = await app.pool.query(
      `SELECT 1 FROM events WHERE stream_id = 'correction-e2e-cost-1'`,
    );
    expect(none).toHaveLength(0);

    expect(await applyAndWait(admin)).toBe('done');
    expect(await admin.$eval('#job-result', (e) => e.textContent)).toContain('The correction was appended.');
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-correction-applied.png'), fullPage: true });

    // The corrected margins: the same cost the preview announced.
    await submit(admin, '#corrected-margins');
    const corrected = await admin.$eval(
      `#margin-review tr[data-alias="${demo.alias}"] .cost`,
      (e) => e.textContent ?? '',
    );
    expect(nanos(corrected)).toBe(costAfter);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-margins-corrected.png'), fullPage: true });
    const { rows: reg } = await app.pool.query<{ live_version: number }>(
      `SELECT live_version FROM projection_registry WHERE name = 'margins'`,
    );
    expect(reg[0].live_version).toBeGreaterThan(1);

    // The same correction again: nothing appended.
    await admin.goto(url('/admin/corrections'));
    expect(await admin.$eval('#applied-corrections', (e) => e.textContent)).toContain('e2e-cost-1');
    await setValue(admin, '#c-id', 'e2e-cost-1');
    await setValue(admin, '#c-provider', row.provider);
    await setValue(admin, '#c-model', row.model);
    await setValue(admin, '#c-in', '1000');
    await setValue(admin, '#c-out', '2000');
    await setValue(admin, '#c-from', hourAgo);
    await setValue(admin, '#c-reason', 'provider invoice shows a higher price');
    expect(await submit(admin, '#preview-button')).toBe(200);
    expect(await applyAndWait(admin)).toBe('done');
    expect(await admin.$eval('#job-result', (e) => e.textContent)).toContain('already been applied');
    const { rows: events } = await app.pool.query(
      `SELECT 1 FROM events WHERE stream_id = 'correction-e2e-cost-1'`,
    );
    expect(events).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it('given the operator token, when a re-rating price correction is previewed and applied through the JSON API, then the workspace is adjusted once and bad bodies are refused', async () => {
    const demo = app.running.demo!;
    const api = (path: string, body?: unknown) =>
      fetch(url(path), {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${app.running.config.adminToken}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const correction = {
      type: 'CorrectPrice',
      correctionId: 'e2e-price-1',
      alias: demo.alias,
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: null,
      price: {
        kind: 'per_million',
        inputPerMillion: '5000',
        cachedInputPerMillion: null,
        outputPerMillion: '5000',
      },
      reason: 'list price was entered too low',
      rerate: true,
    };

    const bad = await api('/admin/corrections/preview.json', {
      ...correction,
      price: { kind: 'per_million' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_CORRECTION');

    const previewRes = await api('/admin/corrections/preview.json', correction);
    expect(previewRes.status).toBe(200);
    const preview = (await previewRes.json()) as {
      requests: number;
      workspaces: { workspaceId: string; chargeDeltaNanocredits: string }[];
    };
    expect(preview.requests).toBeGreaterThanOrEqual(3);
    expect(preview.workspaces).toEqual([expect.objectContaining({ workspaceId: demo.workspaceId })]);
    const owed = BigInt(preview.workspaces[0].chargeDeltaNanocredits);
    expect(owed).toBeGreaterThan(0n);

    const applied = await api('/admin/corrections/apply.json', correction);
    expect(applied.status).toBe(202);
    const { statusUrl } = (await applied.json()) as { statusUrl: string };
    const done = await eventually(async () => {
      const s = (await (await api(statusUrl)).json()) as {
        state: string;
        adjustments: { outcome: string }[];
      };
      return s.state === 'running' ? undefined : s;
    }, 'the correction job');
    expect(done.state).toBe('done');
    expect(done.adjustments.map((a) => a.outcome)).toEqual([expect.stringMatching(/^(adjusted|capped)$/)]);
    const { rows } = await app.pool.query<{ amount: string; reference: string }>(
      `SELECT data->>'amountNanocredits' AS amount, data->>'reference' AS reference FROM events
        WHERE stream_id = $1 AND type = 'CreditsAdjusted'`,
      [`account-${demo.workspaceId}`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].reference).toBe('e2e-price-1');
    expect(-BigInt(rows[0].amount)).toBeLessThanOrEqual(owed);

    // The statement shows the adjustment as a line naming the correction.
    await eventually(async () => {
      const { rows: lines } = await app.pool.query(
        `SELECT 1 FROM statement_lines WHERE account_id = $1 AND description = 'Adjustment PRICE_CORRECTION: e2e-price-1'`,
        [demo.workspaceId],
      );
      return lines.length === 1 ? true : undefined;
    }, 'the statement line');

    const margins = await api('/admin/margins.json');
    expect(margins.status).toBe(200);
    const summary = (await margins.json()) as { rows: { alias: string; priceNanocredits: string }[] };
    expect(summary.rows.find((r) => r.alias === demo.alias)).toBeDefined();
  });

  it('given a signed-in customer, then the margin and correction pages do not exist for them', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const demo = app.running.demo!;
    await page.goto(url('/login'));
    await page.type('#email', demo.customerEmail);
    await page.type('#password', demo.customerPassword);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect((await page.goto(url('/admin/margins')))?.status()).toBe(404);
    expect((await page.goto(url('/admin/corrections')))?.status()).toBe(404);
  });
});
