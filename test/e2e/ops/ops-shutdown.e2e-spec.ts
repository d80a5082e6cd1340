import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { spawnTollgateStart, type SpawnedTollgate } from './support/spawn-tollgate';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const REGISTER = join(ROOT, 'libs/invoicing/src/testing/ts-register.cjs');
const MAIN = join(ROOT, 'apps/cli/src/main.ts');

/** Concurrent clients keeping the gateway busy. */
const WORKERS = 8;
/** Load before the signal, so requests are in flight when it lands. */
const LOAD_BEFORE_SIGTERM_MS = 1_500;
/** Each client gives up after this many requests (bounds the test if the stop never comes). */
const MAX_REQUESTS_PER_WORKER = 400;

interface Outcome {
  status: number | 'network_error';
  requestId?: string;
  /** performance.now() when the request was sent. */
  sentAt: number;
  doneAt: number;
}

function runTollgate(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['-r', REGISTER, MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, out });
    });
  });
}

/** One client: chat requests (every third one streamed) until the server stops answering. */
async function client(
  url: string,
  apiKey: string,
  outcomes: Outcome[],
  stop: { now: boolean },
): Promise<void> {
  for (let i = 0; i < MAX_REQUESTS_PER_WORKER && !stop.now; i++) {
    const sentAt = performance.now();
    try {
      const stream = i % 3 === 0;
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'demo-chat',
          stream,
          max_tokens: 50,
          messages: [{ role: 'user', content: `load ${i}` }],
        }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await res.text();
      // A 200 counts as served only if its whole body arrived (a stream ends with [DONE]).
      const complete = res.status !== 200 || !stream || body.includes('data: [DONE]');
      outcomes.push({
        status: complete ? res.status : 'network_error',
        requestId: res.headers.get('x-request-id') ?? undefined,
        sentAt,
        doneAt: performance.now(),
      });
    } catch {
      outcomes.push({ status: 'network_error', sentAt, doneAt: performance.now() });
      // Refused connections come back at once: do not spin.
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }
}

describe('operations: graceful shutdown of the real process under load', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: SpawnedTollgate;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-sigterm-'));
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given requests in flight, when SIGTERM arrives, then it turns not ready, finishes, charges every admitted request once, settles every lease and exits 0; verify passes', async () => {
    const env = { DATABASE_URL: db.url, TOLLGATE_DATA_DIR: dataDir };
    running = await spawnTollgateStart({ ...env, TOLLGATE_SHUTDOWN_DELAY_MS: '400', LOG_LEVEL: 'warn' });
    const { url, apiKey } = running;

    // Given: clients hammering the gateway.
    const outcomes: Outcome[] = [];
    const stop = { now: false };
    const clients = Array.from({ length: WORKERS }, () => client(url, apiKey, outcomes, stop));
    await new Promise((ok) => setTimeout(ok, LOAD_BEFORE_SIGTERM_MS));
    const servedBeforeSignal = outcomes.filter((o) => o.status === 200).length;
    expect(servedBeforeSignal).toBeGreaterThan(0);

    // When: SIGTERM.
    const signalledAt = performance.now();
    running.child.kill('SIGTERM');
    let sawNotReady: { status: number; body: string } | undefined;
    const deadline = Date.now() + 2_000;
    while (!sawNotReady && Date.now() < deadline) {
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      if (res?.status === 503) sawNotReady = { status: res.status, body: await res.text() };
      else await new Promise((ok) => setTimeout(ok, 20));
    }
    const code = await running.exited;
    stop.now = true;
    await Promise.all(clients);

    // Then: it said it was going (readiness) and stopped cleanly.
    expect(sawNotReady?.body).toContain('shutting down');
    expect({ code, output: running.output().slice(-2000) }).toMatchObject({ code: 0 });
    expect(running.output()).toContain('SIGTERM: shutting down');
    expect(running.output()).toContain('stopped');

    // Every request answered 200 is charged exactly once; no request is charged twice.
    const served = outcomes.filter((o) => o.status === 200);
    expect(served.length).toBeGreaterThan(servedBeforeSignal);
    // Requests in flight when the signal came were answered, and once it stopped accepting, clients
    // were turned away (refused or 503) rather than admitted.
    expect(served.some((o) => o.sentAt < signalledAt && o.doneAt > signalledAt)).toBe(true);
    expect(outcomes.some((o) => o.sentAt > signalledAt && o.status !== 200)).toBe(true);
    const { rows: usage } = await pool.query<{ rid: string; n: string; price: string }>(
      `SELECT data->>'requestId' AS rid, count(*)::text AS n, max((data->>'priceNanocredits')::numeric)::text AS price
         FROM events WHERE type = 'UsageRecorded' GROUP BY 1`,
    );
    const byRequest = new Map(usage.map((u) => [u.rid, u]));
    for (const o of served) {
      const u = byRequest.get(o.requestId!);
      expect({ requestId: o.requestId, recorded: u?.n }).toEqual({ requestId: o.requestId, recorded: '1' });
      expect(BigInt(u!.price)).toBeGreaterThan(0n);
    }
    expect(usage.filter((u) => u.n !== '1')).toEqual([]);

    // Every lease reserved was settled (or expired) before exit.
    const { rows: leases } = await pool.query<{ lease: string; closed: boolean }>(
      `SELECT r.data->>'leaseId' AS lease,
              EXISTS (SELECT 1 FROM events c
                       WHERE c.type IN ('CreditLeaseSettled', 'CreditLeaseExpired')
                         AND c.stream_id = r.stream_id AND c.data->>'leaseId' = r.data->>'leaseId') AS closed
         FROM events r WHERE r.type = 'CreditLeaseReserved'`,
    );
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.filter((l) => !l.closed)).toEqual([]);

    // And the auditor agrees with every read model.
    const verify = await runTollgate(['verify'], env);
    expect({ code: verify.code, out: verify.out.slice(-2000) }).toMatchObject({ code: 0 });
    expect(verify.out).toMatch(/verified \d+ accounts: read models match the event store/);
  });
});
