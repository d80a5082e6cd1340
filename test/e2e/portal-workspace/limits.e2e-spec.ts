import { randomUUID } from 'node:crypto';
import { PortalClient } from '../portal/portal-test-app';
import { eventually, startAllInOne, type AllInOne } from '../support/all-in-one';

/**
 * Waits into the next minute when fewer than 15 s are left in this one: a per-minute counter read back
 * after the gateway's next report (about a second) must still be in the request's window.
 */
async function awayFromMinuteEnd(): Promise<void> {
  const leftMs = 60_000 - (Date.now() % 60_000);
  if (leftMs < 15_000) await new Promise((ok) => setTimeout(ok, leftMs + 50));
}

jest.setTimeout(60_000);

interface Json {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

describe('workspace limits: admin API sets them, the gateway enforces them, the customer sees them', () => {
  let app: AllInOne;
  let ws: string;
  let portal: PortalClient;

  async function adminCall(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<Json> {
    const res = await fetch(`${app.running.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token ?? app.running.config.adminToken}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function chat(): Promise<Response> {
    return fetch(`${app.running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.running.demo!.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: app.running.demo!.alias, messages: [{ role: 'user', content: 'hi' }] }),
    });
  }

  beforeAll(async () => {
    app = await startAllInOne();
    ws = app.running.demo!.workspaceId;
    portal = new PortalClient(app.running.url);
    expect(
      (await portal.signIn(app.running.demo!.customerEmail, app.running.demo!.customerPassword)).status,
    ).toBe(303);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('given bad input or no admin token, then the admin API refuses with the field named and records nothing', async () => {
    expect(
      (await adminCall('PUT', `/admin/api/workspaces/${ws}/quotas`, { requestsPerMinute: 5 }, null)).status,
    ).toBe(401);
    const zone = await adminCall('PUT', `/admin/api/workspaces/${ws}/quotas`, { timeZone: 'Mars/Base' });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'timeZone' });
    const credits = await adminCall('PUT', `/admin/api/workspaces/${ws}/quotas`, { creditsPerDay: '-1' });
    expect(credits.status).toBe(400);
    expect(credits.body.error.field).toBe('creditsPerDay');
    const unknown = await adminCall('PUT', `/admin/api/workspaces/${ws}/policy`, { onlyCheap: true });
    expect(unknown.status).toBe(400);
    const region = await adminCall('PUT', `/admin/api/workspaces/${ws}/policy`, {
      requiredRegion: 'EU West',
    });
    expect(region.status).toBe(400);
    expect(region.body.error.field).toBe('requiredRegion');
    const now = await adminCall('GET', `/admin/api/workspaces/${ws}/rules`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ workspaceId: ws, policy: null, quotas: null, usage: [] });
  });

  it('given quotas set through the admin API, then the next request carries them in x-ratelimit headers and the limits page shows them with current use', async () => {
    const set = await adminCall('PUT', `/admin/api/workspaces/${ws}/quotas`, {
      requestsPerMinute: 1000,
      creditsPerDay: '50',
      concurrentRequests: 8,
      timeZone: 'Europe/Berlin',
      keys: [{ keyId: 'key_demo_other', creditsPerDay: '2.5' }],
    });
    expect(set.status).toBe(200);
    expect(set.body.quotas).toEqual({
      requestsPerMinute: 1000,
      tokensPerMinute: null,
      creditsPerDay: '50.000000000',
      creditsPerMonth: null,
      concurrentRequests: 8,
      timeZone: 'Europe/Berlin',
      keys: [
        {
          keyId: 'key_demo_other',
          requestsPerMinute: null,
          tokensPerMinute: null,
          creditsPerDay: '2.500000000',
          creditsPerMonth: null,
          concurrentRequests: null,
        },
      ],
    });
    const policy = await adminCall('PUT', `/admin/api/workspaces/${ws}/policy`, {
      denyDeployments: ['dep_not_used'],
      routingPolicy: 'cost',
    });
    expect(policy.status).toBe(200);
    expect(policy.body.policy).toMatchObject({ denyDeployments: ['dep_not_used'], routingPolicy: 'cost' });

    // The per-minute counter is read back below: keep the request and the reading in one minute.
    await awayFromMinuteEnd();
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('999');
    expect(res.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/);

    // Use is reported by the gateway within about a second.
    const rules = await eventually(async () => {
      const r = await adminCall('GET', `/admin/api/workspaces/${ws}/rules`);
      const requests = r.body.usage.find((u: { metric: string }) => u.metric === 'requests');
      return requests?.used === 1 ? r.body : undefined;
    }, 'the request counted in the admin view');
    expect(rules.usage.map((u: { keyId: string | null; metric: string }) => [u.keyId, u.metric])).toEqual([
      [null, 'requests'],
      [null, 'credits_day'],
      [null, 'concurrent'],
      ['key_demo_other', 'credits_day'],
    ]);

    const page = await portal.request(`/w/${ws}/limits`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('aria-current="page">Limits</a>');
    expect(page.body).toMatch(
      /<tr data-metric="requests"><th scope="row">Requests per minute<\/th><td class="num">1000<\/td><td class="num">1<\/td><td class="num">999<\/td>/,
    );
    expect(page.body).toContain('Credits per day');
    expect(page.body).toContain('Europe/Berlin');
    expect(page.body).toContain('Denied deployments: dep_not_used');
    expect(page.body).toContain('Routing: cost first.');
    expect(page.body).toMatch(
      /<tr data-key="key_demo_other" data-metric="credits_day"><td><code>key_demo_other<\/code><\/td><th scope="row">Credits per day<\/th><td class="num">2.5<\/td><td class="num">0<\/td><td class="num">2.5<\/td>/,
    );
    const dashboard = await portal.request(`/w/${ws}/dashboard`);
    expect(dashboard.body).toContain(`href="/w/${ws}/limits"`);
  });

  it('given an admin in the portal, when quotas and a policy are saved through the admin page, then they are in force and bad input is refused with the reason', async () => {
    const admin = new PortalClient(app.running.url);
    expect((await admin.signIn(app.running.demo!.adminEmail, app.running.demo!.adminPassword)).status).toBe(
      303,
    );
    const workspacePage = await admin.request(`/admin/workspaces/${ws}`);
    expect(workspacePage.body).toContain(`href="/admin/workspaces/${ws}/limits"`);
    const page = await admin.request(`/admin/workspaces/${ws}/limits`);
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const quotas = {
      _csrf: csrf,
      requestsPerMinute: '600',
      tokensPerMinute: '',
      creditsPerDay: '12.5',
      creditsPerMonth: '',
      concurrentRequests: '',
      timeZone: 'America/New_York',
    };
    const noCsrf = await admin.request(`/admin/workspaces/${ws}/limits/quotas`, {
      method: 'POST',
      form: { ...quotas, _csrf: '' },
    });
    expect(noCsrf.status).toBe(403);
    const bad = await admin.request(`/admin/workspaces/${ws}/limits/quotas`, {
      method: 'POST',
      form: { ...quotas, requestsPerMinute: 'lots' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Requests per minute must be a whole number above zero.');
    const zone = await admin.request(`/admin/workspaces/${ws}/limits/quotas`, {
      method: 'POST',
      form: { ...quotas, timeZone: 'Nowhere/Special' },
    });
    expect(zone.status).toBe(400);
    expect(zone.body).toContain('is not a known IANA time zone');
    const saved = await admin.request(`/admin/workspaces/${ws}/limits/quotas`, {
      method: 'POST',
      form: quotas,
    });
    expect(saved.status).toBe(303);
    const region = await admin.request(`/admin/workspaces/${ws}/limits/policy`, {
      method: 'POST',
      form: { _csrf: csrf, requiredRegion: 'Not A Tag', routingPolicy: '' },
    });
    expect(region.status).toBe(400);
    expect(region.body).toContain('requiredRegion must be a short lower-case tag');
    const policy = await admin.request(`/admin/workspaces/${ws}/limits/policy`, {
      method: 'POST',
      form: { _csrf: csrf, denyProviders: 'prov_x, prov_y', routingPolicy: 'priority' },
    });
    expect(policy.status).toBe(303);
    const after = await adminCall('GET', `/admin/api/workspaces/${ws}/rules`);
    expect(after.body.quotas).toMatchObject({
      requestsPerMinute: 600,
      creditsPerDay: '12.500000000',
      timeZone: 'America/New_York',
      // Per-key quotas set through the JSON API are kept.
      keys: [expect.objectContaining({ keyId: 'key_demo_other' })],
    });
    expect(after.body.policy).toMatchObject({
      denyProviders: ['prov_x', 'prov_y'],
      routingPolicy: 'priority',
    });
    const res = await chat();
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('600');
    // A customer is no admin.
    expect([403, 404]).toContain((await portal.request(`/admin/workspaces/${ws}/limits`)).status);
  });

  it('given another workspace id, then its limits page is not found for this customer', async () => {
    const other = await portal.request(`/w/${randomUUID()}/limits`);
    expect(other.status).toBe(404);
  });
});
