import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { addWorkspaceMember, createWorkspaceWithOwner } from '@tollgate/identity';
import { formatCredits, formatCreditsTrimmed } from '@tollgate/money';
import { PortalClient } from '../portal/portal-test-app';
import { eventually, startAllInOne, type AllInOne } from '../support/all-in-one';

jest.setTimeout(60_000);

/** What the receiver saw of one request. */
interface Received {
  path: string;
  at: number;
  body: string;
  signature: string;
  eventId: string;
  answered: number;
}

/**
 * A webhook receiver on 127.0.0.1: `/flaky` answers 500 to the first two attempts of each event and
 * 200 afterwards; `/down` always answers 503.
 */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const eventId = String(req.headers['tollgate-event-id'] ?? '');
      const n = (seen.get(eventId) ?? 0) + 1;
      seen.set(eventId, n);
      const answered = req.url === '/down' ? 503 : n <= 2 ? 500 : 200;
      received.push({
        path: req.url ?? '',
        at: Date.now(),
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['tollgate-signature'] ?? ''),
        eventId,
        answered,
      });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('page has no CSRF token');
  return token;
}

/** Stripe-style check, computed here independently of the product's code. */
function verifies(secret: string, header: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex');
  return expected === m[2] && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

const BACKOFF_BASE_MS = 100;
const MAX_ATTEMPTS = 4;

describe('low-balance alerts in the all-in-one product', () => {
  let app: AllInOne;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let portal: PortalClient;
  let ws: string;
  const saved: Record<string, string | undefined> = {};
  const ENV = {
    TOLLGATE_ALERTS_POLL_MS: '50',
    TOLLGATE_ALERTS_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
    TOLLGATE_ALERTS_BACKOFF_MAX_MS: '2000',
    TOLLGATE_ALERTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    TOLLGATE_ALERTS_TIMEOUT_MS: '2000',
    // The receiver runs on 127.0.0.1, which production refuses as a webhook target.
    TOLLGATE_ALERTS_ALLOW_PRIVATE_TARGETS: 'true',
  };

  const posted = async (): Promise<bigint> => {
    const { rows } = await app.pool.query(
      'SELECT posted_nanocredits::text AS p FROM balances WHERE account_id = $1',
      [ws],
    );
    return rows[0] ? BigInt(rows[0].p) : -1n;
  };
  const deliveries = async () =>
    (
      await app.pool.query<{ delivery_id: string; event_type: string; status: string; attempts: number }>(
        'SELECT delivery_id, event_type, status, attempts FROM alert_deliveries WHERE workspace_id = $1 ORDER BY created_at',
        [ws],
      )
    ).rows;

  beforeAll(async () => {
    // The reactor reads its knobs from the process environment, like the payments config.
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    receiver = await startReceiver();
    app = await startAllInOne();
    ws = app.running.demo!.workspaceId;
    portal = new PortalClient(app.running.url);
    expect(
      (await portal.signIn(app.running.demo!.customerEmail, app.running.demo!.customerPassword)).status,
    ).toBe(303);
    await eventually(async () => ((await posted()) > 0n ? true : undefined), 'the seeded balance');
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((ok) => receiver?.server.close(ok));
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('given the alerts page, when the owner submits a non-http(s) URL or no CSRF token, a member submits, or another tenant looks, then 400, 403, 403 and 404, and nothing is saved', async () => {
    const page = await portal.request(`/w/${ws}/alerts`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('aria-current="page">Alerts</a>');
    const bad = await portal.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: { _csrf: csrfOf(page.body), thresholds: '10', webhookUrl: 'ftp://example.com/hook' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('must start with http:// or https://');
    const noCsrf = await portal.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: { thresholds: '10', webhookUrl: `${receiver.url}/flaky` },
    });
    expect(noCsrf.status).toBe(403);
    // A member (not an owner) sees the page but cannot change it; another tenant's owner gets 404.
    await addWorkspaceMember(app.pool, {
      workspaceId: ws,
      email: 'member@alerts.test',
      password: 'member password 1',
      displayName: 'Mem Ber',
      role: 'member',
    });
    const member = new PortalClient(app.running.url);
    expect((await member.signIn('member@alerts.test', 'member password 1')).status).toBe(303);
    const memberPage = await member.request(`/w/${ws}/alerts`);
    expect(memberPage.status).toBe(200);
    expect(memberPage.body).not.toContain('id="alert-thresholds"');
    const refused = await member.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: { _csrf: csrfOf(memberPage.body), thresholds: '10', webhookUrl: '' },
    });
    expect(refused.status).toBe(403);
    await createWorkspaceWithOwner(app.pool, {
      workspaceName: 'Other Tenant',
      ownerEmail: 'owner@other-alerts.test',
      ownerPassword: 'other tenant password 1',
      ownerDisplayName: 'Other Owner',
    });
    const other = new PortalClient(app.running.url);
    expect((await other.signIn('owner@other-alerts.test', 'other tenant password 1')).status).toBe(303);
    expect((await other.request(`/w/${ws}/alerts`)).status).toBe(404);

    const { rows } = await app.pool.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [
      `workspace-alerts-${ws}`,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('given a threshold at the current balance and a flaky receiver, when a request spends credits, then one crossing is delivered signed, retried with growing delays, each attempt listed, and the dashboard shows the banner; a grant recovers it and a dead receiver is given up after the bounded attempts', async () => {
    // Given: a threshold exactly at the balance (not below it yet) and the webhook.
    const before = await posted();
    const page = await portal.request(`/w/${ws}/alerts`);
    const savedPage = await portal.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(page.body),
        thresholds: formatCredits(before),
        webhookUrl: `${receiver.url}/flaky`,
      },
    });
    expect(savedPage.status).toBe(201);
    const secret = /id="webhook-secret">([^<]+)</.exec(savedPage.body)?.[1];
    expect(secret).toMatch(/^whsec_/);
    const again = await portal.request(`/w/${ws}/alerts`);
    expect(again.body).not.toContain(secret!);
    expect(again.body).toContain(`…${secret!.slice(-4)}`);
    // The watcher has looked at the unchanged balance: no crossing.
    await eventually(async () => {
      const { rows } = await app.pool.query(
        'SELECT observed_position FROM alert_settings WHERE workspace_id = $1',
        [ws],
      );
      return rows[0]?.observed_position ? true : undefined;
    }, 'the first observation');
    expect(await deliveries()).toEqual([]);

    // When: one priced request lowers the balance below the threshold.
    const client = new OpenAI({
      apiKey: app.running.demo!.apiKey,
      baseURL: `${app.running.url}/v1`,
      maxRetries: 0,
    });
    await client.chat.completions.create({
      model: app.running.demo!.alias,
      messages: [{ role: 'user', content: 'spend a little' }],
    });

    // Then: delivered on the third attempt, every attempt signed over the same body.
    const [crossing] = await eventually(async () => {
      const d = await deliveries();
      return d.length === 1 && d[0].status === 'delivered' ? d : undefined;
    }, 'the crossing delivered');
    expect(crossing).toMatchObject({ event_type: 'LowBalanceThresholdCrossed', attempts: 3 });
    const attempts = receiver.received.filter((r) => r.eventId === crossing.delivery_id);
    expect(attempts.map((a) => a.answered)).toEqual([500, 500, 200]);
    for (const a of attempts) expect(verifies(secret!, a.signature, a.body)).toBe(true);
    expect(verifies('whsec_wrong', attempts[0].signature, attempts[0].body)).toBe(false);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    const body = JSON.parse(attempts[0].body);
    expect(body).toMatchObject({
      id: crossing.delivery_id,
      type: 'balance.below_threshold',
      workspace_id: ws,
      data: { threshold_nanocredits: before.toString() },
    });
    expect(BigInt(body.data.balance_nanocredits)).toBeLessThan(before);
    // Backoff: the n-th retry waits at least half of base·2^(n−1) (equal jitter).
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(BACKOFF_BASE_MS);

    const alertsPage = await portal.request(`/w/${ws}/alerts`);
    const rows = [
      ...alertsPage.body.matchAll(
        /<tr class="attempt" data-delivery="([^"]+)" data-attempt="(\d+)">[\s\S]*?<\/tr>/g,
      ),
    ];
    expect(rows.filter((r) => r[1] === crossing.delivery_id).map((r) => r[2])).toEqual(['1', '2', '3']);
    const outcomes = rows.map((r) => /<span class="badge">([a-z]+)<\/span>/.exec(r[0])?.[1]);
    expect(outcomes).toEqual(['retry', 'retry', 'delivered']);
    expect(alertsPage.body).toContain('HTTP 500');

    const dashboard = await eventually(async () => {
      const d = await portal.request(`/w/${ws}/dashboard`);
      return d.body.includes('id="low-balance-banner"') ? d : undefined;
    }, 'the banner');
    expect(dashboard.body).toContain(`alert threshold of ${formatCreditsTrimmed(before)} credits`);

    // More spending while below: once the watcher has seen the lower balance, still one crossing.
    const beforeSecond = await posted();
    await client.chat.completions.create({
      model: app.running.demo!.alias,
      messages: [{ role: 'user', content: 'spend a little more' }],
    });
    await eventually(
      async () => ((await posted()) < beforeSecond ? true : undefined),
      'the second usage posted',
    );
    await eventually(async () => {
      const { rows } = await app.pool.query(
        `SELECT 1 FROM alert_settings s JOIN balances b ON b.account_id = s.workspace_id
          WHERE s.workspace_id = $1 AND s.observed_position = b.last_position`,
        [ws],
      );
      return rows.length === 1 ? true : undefined;
    }, 'the lower balance observed');
    expect(await deliveries()).toHaveLength(1);
    const { rows: crossings } = await app.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND type = 'LowBalanceThresholdCrossed'`,
      [`workspace-alerts-${ws}`],
    );
    expect(crossings[0].n).toBe(1);

    // A dead receiver, then a grant lifts the balance: the recovery is tried MAX_ATTEMPTS times, then failed.
    const page2 = await portal.request(`/w/${ws}/alerts`);
    const moved = await portal.request(`/w/${ws}/alerts`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(page2.body),
        thresholds: formatCredits(before),
        webhookUrl: `${receiver.url}/down`,
      },
    });
    expect(moved.status).toBe(303);
    const grant = await fetch(`${app.running.url}/admin/api/workspaces/${ws}/credit-grants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.running.config.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': 'alerts-e2e-grant-1',
      },
      body: JSON.stringify({ credits: '5', reason: 'top-up for the alerts test' }),
    });
    expect(grant.status).toBe(201);
    const recovered = await eventually(async () => {
      const d = await deliveries();
      return d.length === 2 && d[1].status === 'failed' ? d[1] : undefined;
    }, 'the recovery given up');
    expect(recovered).toMatchObject({ event_type: 'LowBalanceRecovered', attempts: MAX_ATTEMPTS });
    const down = receiver.received.filter((r) => r.eventId === recovered.delivery_id);
    expect(down.map((r) => [r.path, r.answered])).toEqual(Array(MAX_ATTEMPTS).fill(['/down', 503]));
    const dashboardAfter = await eventually(async () => {
      const d = await portal.request(`/w/${ws}/dashboard`);
      return d.body.includes('id="low-balance-banner"') ? undefined : d;
    }, 'the banner gone');
    expect(dashboardAfter.status).toBe(200);
    const finalPage = await portal.request(`/w/${ws}/alerts`);
    expect(finalPage.body.match(/<tr class="attempt"/g)).toHaveLength(3 + MAX_ATTEMPTS);
    expect(finalPage.body).toContain('HTTP 503');
  });
});
