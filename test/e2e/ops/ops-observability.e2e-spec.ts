import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { Client, Pool } from 'pg';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';
import { eventually } from '../support/all-in-one';

jest.setTimeout(90_000);

/** Every JSON log line the process wrote. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (what a scraper sees). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await res.text());
}

describe('operations: metrics, request log, readiness (all-in-one)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: RunningTollgate;
  let logs: LogCapture;
  let openai: OpenAI;
  let apiKey: string;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-ops-'));
    logs = new LogCapture();
    running = await bootstrap(
      loadConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_SEED_DEMO: 'true',
        LOG_LEVEL: 'info',
      }),
      () => undefined,
      { logDestination: logs },
    );
    apiKey = running.demo!.apiKey;
    openai = new OpenAI({ apiKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const PROMPT = 'the secret launch code is pineapple-7741';

  it('given traffic, when /metrics is scraped, then requests, latencies, leases, rejections and lag are reported', async () => {
    const before = await scrape(running.url);
    const requestsBefore = sum(before, 'tollgate_gateway_requests_total', {
      alias: 'demo-chat',
      status: '200',
    });

    // Given: one request refused for want of credits, then two answered (JSON and a stream).
    const refused = await openai.chat.completions
      .create({
        model: 'demo-chat',
        messages: [{ role: 'user', content: 'too big' }],
        max_tokens: 2_000_000_000,
      })
      .catch((e: unknown) => e);
    expect((refused as { status?: number }).status).toBe(402);
    await openai.chat.completions.create({
      model: 'demo-chat',
      messages: [{ role: 'user', content: PROMPT }],
    });
    const stream = await openai.chat.completions.create({
      model: 'demo-chat',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    for await (const _chunk of stream) void _chunk;
    // …and a payment webhook with no signature.
    const unsigned = await fetch(`${running.url}/webhooks/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"evt_forged"}',
    });
    expect(unsigned.status).toBe(400);

    // When scraped (usage is appended in the background, a little later).
    const after = await eventually(async () => {
      const s = await scrape(running.url);
      return sum(s, 'tollgate_gateway_usage_events_flushed_total') >= 2 ? s : undefined;
    }, 'usage appended');

    // Then
    expect(sum(after, 'tollgate_gateway_requests_total', { alias: 'demo-chat', status: '200' })).toBe(
      requestsBefore + 2,
    );
    expect(sum(after, 'tollgate_gateway_requests_total', { status: '402' })).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'tollgate_gateway_admission_rejections_total', { reason: 'insufficient_quota' })).toBe(
      1,
    );
    const deployment = after.find(
      (s) => s.name === 'tollgate_gateway_requests_total' && s.labels.alias === 'demo-chat',
    )!.labels.deployment;
    expect(deployment).not.toBe('none');
    expect(
      sum(after, 'tollgate_gateway_upstream_latency_seconds_count', { deployment, outcome: 'succeeded' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sum(after, 'tollgate_gateway_time_to_first_token_seconds_count', { deployment }),
    ).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'tollgate_gateway_open_leases')).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'tollgate_gateway_leased_credits')).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'tollgate_gateway_usage_events_buffered')).toBe(true);
    expect(after.some((s) => s.name === 'tollgate_gateway_requests_in_flight')).toBe(true);
    expect(
      sum(after, 'tollgate_gateway_lease_operations_total', { operation: 'reserved' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(after, 'tollgate_gateway_lease_operations_total', { operation: 'insufficient' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'tollgate_gateway_circuit_breaker_state', { deployment })).toBe(0);
    const lagged = after
      .filter((s) => s.name === 'tollgate_projector_lag_events')
      .map((s) => s.labels.projection);
    expect(lagged).toEqual(expect.arrayContaining(['balances', 'statement_lines', 'request_log']));
    expect(sum(after, 'tollgate_webhook_deliveries_total', { provider: 'sandbox', result: 'rejected' })).toBe(
      1,
    );
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('given a /v1 request, then exactly one JSON log line tells its id, workspace, alias, deployment, status, tokens and charge, and no log line holds the key or the prompt', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'demo-chat', messages: [{ role: 'user', content: PROMPT }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^req_/);

    const line = await eventually(
      async () => logs.lines().find((l) => l.msg === 'request' && l.requestId === requestId),
      'the request log line',
    );
    expect(logs.lines().filter((l) => l.requestId === requestId)).toHaveLength(1);
    expect(line).toMatchObject({
      level: 'info',
      service: 'all-in-one',
      workspaceId: running.demo!.workspaceId,
      alias: 'demo-chat',
      status: 200,
      outcome: 'succeeded',
      promptTokens: data.usage!.prompt_tokens,
      completionTokens: data.usage!.completion_tokens,
    });
    expect(typeof line.deployment).toBe('string');
    expect(BigInt(line.chargeNanocredits as string)).toBeGreaterThan(0n);

    // Portal traffic is logged too (method, path, status), without cookies or form bodies.
    const login = await fetch(`${running.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'tg_session=sekrit-cookie' },
      body: `email=${encodeURIComponent(running.demo!.customerEmail)}&password=${encodeURIComponent(running.demo!.customerPassword)}`,
      redirect: 'manual',
    });
    expect(login.status).toBeLessThan(500);
    await eventually(
      async () =>
        logs
          .lines()
          .find((l) => l.component === 'http' && (l.req as { path?: string } | undefined)?.path === '/login'),
      'the portal request log line',
    );

    // Probes, scrapes and the demo upstream's internal calls are not logged line by line.
    expect(
      logs.lines().filter((l) => {
        const path = (l.req as { path?: string } | undefined)?.path ?? '';
        return /^\/(healthz|readyz|metrics|demo-upstream\/)/.test(path);
      }),
    ).toEqual([]);

    const everything = logs.text;
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(apiKey.slice(-12));
    expect(everything).not.toContain('pineapple-7741');
    expect(everything).not.toContain(running.demo!.customerPassword);
    expect(everything).not.toContain('sekrit-cookie');
    expect(everything).not.toContain(running.config.adminToken);
  });

  it('given the database becomes unreachable, then /readyz answers 503 naming the database, and 200 again once it is back; /healthz stays 200', async () => {
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: expect.arrayContaining([
        { name: 'database', ok: true },
        { name: 'event store', ok: true },
        { name: 'lease admission', ok: true },
      ]),
    });

    const dbName = new URL(db.url).pathname.slice(1);
    const admin = new Client({
      connectionString: process.env.TEST_DATABASE_URL ?? db.url.replace(/\/[^/]+$/, '/postgres'),
    });
    await admin.connect();
    try {
      // When: no new connections are allowed and the idle ones are cut (a connection cut in the middle
      // of someone's transaction is that code's business; readiness only needs the pool to fail).
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
      const down = await eventually(async () => {
        // Busy connections go back to the pool idle, so cut again until the pool has none left.
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND state = 'idle'",
          [dbName],
        );
        const res = await fetch(`${running.url}/readyz`);
        if (res.status !== 503) return undefined;
        const body = (await res.json()) as {
          status: string;
          checks: { name: string; ok: boolean; reason?: string }[];
        };
        return body.checks.some((c) => c.name === 'database' && !c.ok) ? body : undefined;
      }, 'not ready for want of the database');
      expect(down.status).toBe('not_ready');
      const database = down.checks.find((c) => c.name === 'database')!;
      expect(database.ok).toBe(false);
      expect(database.reason).toMatch(/\S/);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      // /metrics keeps answering while the database is away.
      expect((await fetch(`${running.url}/metrics`)).status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    // Then, once it is back:
    await eventually(
      async () => ((await fetch(`${running.url}/readyz`)).status === 200 ? true : undefined),
      'ready again',
    );
  });

  it('given a stop has begun, then /readyz answers 503 with the reason while requests are still served', async () => {
    running.readiness.markShuttingDown();
    const res = await fetch(`${running.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { name: string; ok: boolean; reason?: string }[] };
    expect(body.checks[0]).toMatchObject({ name: 'lifecycle', ok: false });
    expect(body.checks[0].reason).toMatch(/^shutting down since /);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
