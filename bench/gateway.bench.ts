/**
 * `npm run bench:gateway`: Tollgate's gateway beside Portkey's open-source gateway, over one fast fake
 * upstream, printed as a table and, on the last line, as one JSON object.
 *
 * Processes (so no two share an event loop): the fake upstream (child), Portkey (child,
 * `@portkey-ai/gateway` from node_modules), the load generator (child: autocannon for throughput, an
 * undici loop for the sequential latency probe) and Tollgate (this process: the production
 * `startStandaloneGateway` with its Postgres catalog, lease admission and usage metering on a real
 * Postgres event store) and, as when gateway replicas are scaled out, a projector (child) keeping the catalog and
 * workspace-rules read models (BENCH_PROJECTIONS=in-process runs them inside the gateway instead, the
 * standalone default). Every Tollgate request is charged; after the run the ledger is checked against
 * what the load generator completed, so the figures cannot come from a gateway that skipped billing.
 *
 * Throughput: each (target, JSON|SSE, connections) run is a short timed warm-up (which also sizes the run),
 * then a fixed number of requests, so every measured request completes and can be matched in the ledger
 * (warm-ups use their own account, checked separately). Latency: a sequential probe that alternates
 * direct, Tollgate and Portkey request by request, so machine noise hits all three alike; "added" is
 * the gateway's p50/p99 minus the direct one (for SSE: time to the first chunk).
 *
 * Env: BENCH_DATABASE_URL (admin URL; else DATABASE_URL, TEST_DATABASE_URL, else embedded Postgres),
 * BENCH_SECONDS (per measured run, default 4), BENCH_WARMUP_SECONDS (2), BENCH_SEQUENTIAL (1500 per mode),
 * BENCH_PROJECTIONS (projector | in-process).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Pool } from 'pg';
import { handleCommand, PostgresEventStore } from '@tollgate/event-store';
import {
  accountDecider,
  accountStream,
  parseAccountEvent,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '@tollgate/ledger';
import { GatewayAdmin } from '../apps/gateway/src/catalog/gateway-admin';
import { startStandaloneGateway } from '../apps/gateway/src/gateway-app';
import { openBenchDatabase } from './bench-db';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1500);
const CONNECTIONS = [10, 50] as const;
/** Bound on one measured run, whatever the warm-up suggested. */
const MAX_REQUESTS_PER_RUN = 200_000;
const CONTENT = 'Hello there, bench!';
/** perf_hooks GC entry kinds (constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak callbacks' };
/** Event-loop delay sampling interval (its samples include it; subtracted when printed). */
const LOOP_RESOLUTION_MS = 5;
const lateMs = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 1000) / 1000);

/**
 * The fake upstream: chat JSON and SSE with usage (only when asked for, like OpenAI), nothing else.
 * `"user":"bench-slow"` spaces the stream's chunks out (the streaming check); GET /stats counts requests.
 */
const UPSTREAM = `
const http = require('node:http');
const json = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'bench',
  choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: ${JSON.stringify(CONTENT)}, refusal: null } }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } });
const chunk = (delta, finish) => 'data: ' + JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1700000000, model: 'bench',
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }) + '\\n\\n';
const first = chunk({ role: 'assistant', content: '' }, null);
const rest = chunk({ content: ${JSON.stringify(CONTENT)} }, null) + chunk({}, 'stop');
const usage = 'data: ' + JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1700000000, model: 'bench', choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }) + '\\n\\n';
const stats = { requests: 0, streams: 0, withUsage: 0 };
http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(stats));
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    stats.requests++;
    if (body.includes('"stream":true')) {
      stats.streams++;
      const withUsage = body.includes('"include_usage":true');
      if (withUsage) stats.withUsage++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(first);
      const finish = () => { res.write(rest); if (withUsage) res.write(usage); res.end('data: [DONE]\\n\\n'); };
      if (body.includes('"user":"bench-slow"')) setTimeout(finish, 300); else finish();
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }
  });
}).listen(0, '127.0.0.1', function () { process.send({ port: this.address().port }); });
`;

const PROJECTIONS_IN_PROCESS = process.env.BENCH_PROJECTIONS === 'in-process';

/** The projector: the gateway's read models (catalog, workspace rules) from `$all`, beside the gateway, not in it. */
const PROJECTOR = `
const { Pool } = require('pg');
const { PostgresEventStore } = require(${JSON.stringify(join(__dirname, '../libs/event-store/src'))});
const { ProjectionRunner, workspaceRulesProjection } = require(${JSON.stringify(join(__dirname, '../libs/projections/src'))});
const { catalogProjection } = require(${JSON.stringify(join(__dirname, '../apps/gateway/src/catalog/catalog.projection'))});
let stop = async () => {};
process.on('message', async (m) => {
  if (m.stop) { await stop(); process.exit(0); }
  const pool = new Pool({ connectionString: m.url, max: 4 });
  const store = new PostgresEventStore({ pool });
  const runner = new ProjectionRunner({ pool, store, projections: [catalogProjection, workspaceRulesProjection],
    log: (level, message) => { if (level !== 'info') console.error('[projector] ' + level + ': ' + message); } });
  await runner.start();
  stop = async () => { await runner.stop(); await store.close(); await pool.end(); };
  process.send({ ready: true });
});
`;

/** The load generator: autocannon runs and the alternating sequential probe, one job per message. */
const LOADGEN = `
const autocannon = require(${JSON.stringify(require.resolve('autocannon'))});
const { Pool } = require(${JSON.stringify(require.resolve('undici'))});
const pools = new Map();
const poolFor = (origin) => { let p = pools.get(origin); if (!p) pools.set(origin, (p = new Pool(origin, { connections: 1 }))); return p; };
async function probe({ targets, body, requests, stream }) {
  const lat = targets.map(() => []);
  let errors = 0;
  const one = async (t, i, record) => {
    const u = new URL(t.url);
    const t0 = process.hrtime.bigint();
    const res = await poolFor(u.origin).request({ method: 'POST', path: u.pathname, headers: t.headers, body });
    let first = 0n;
    for await (const c of res.body) if (!first) first = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    if (res.statusCode !== 200) errors++;
    if (record) lat[i].push(Number((stream ? first : t1) - t0) / 1e6);
  };
  for (let n = 0; n < 50; n++) for (let i = 0; i < targets.length; i++) await one(targets[i], i, false);
  for (let n = 0; n < requests; n++) for (let i = 0; i < targets.length; i++) await one(targets[i], i, true);
  const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return { errors, perTarget: lat.map((xs) => { xs.sort((a, b) => a - b); return { count: xs.length, p50: q(xs, 0.5), p99: q(xs, 0.99) }; }) };
}
async function cannon({ url, headers, body, connections, seconds, amount }) {
  // Rate over the span from start to the last response: autocannon only ends on its 1 s sampling tick.
  const start = performance.now();
  let last = start;
  const r = await new Promise((ok, fail) => {
    const instance = autocannon({ url, method: 'POST', headers, body, connections, timeout: 10,
      ...(amount ? { amount } : { duration: seconds }) }, (err, res) => (err ? fail(err) : ok(res)));
    instance.on('response', () => (last = performance.now()));
  });
  const completed = r.requests.total;
  return { rps: completed / ((last - start) / 1000), completed, ok: r['2xx'],
    non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, sent: r.requests.sent, seconds: (last - start) / 1000,
    p50: r.latency.p50, p99: r.latency.p99 };
}
process.on('message', async (job) => {
  try {
    process.send({ ok: true, result: job.kind === 'probe' ? await probe(job) : await cannon(job) });
  } catch (err) {
    process.send({ ok: false, error: String(err && err.stack || err) });
  }
});
`;

type Mode = 'json' | 'sse';
type TargetName = 'direct' | 'tollgate' | 'portkey';

interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  /** Own process id, for CPU per request. */
  pid: number;
}

interface CannonResult {
  rps: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  sent: number;
  seconds: number;
  p50: number;
  p99: number;
}

interface ProbeResult {
  errors: number;
  perTarget: { count: number; p50: number; p99: number }[];
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

function child(code: string, env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: env ?? process.env,
  });
}

class LoadGenerator {
  private readonly proc = child(LOADGEN);

  run<T>(job: Record<string, unknown>): Promise<T> {
    return new Promise((ok, fail) => {
      const onExit = (code: number | null): void => fail(new Error(`load generator exited (${code})`));
      this.proc.once('exit', onExit);
      this.proc.once('message', (m: { ok: boolean; result?: T; error?: string }) => {
        this.proc.off('exit', onExit);
        if (m.ok) ok(m.result as T);
        else fail(new Error(m.error));
      });
      this.proc.send(job);
    });
  }

  stop(): void {
    this.proc.kill();
  }
}

/** user+system CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

async function startPortkey(): Promise<{ proc: ChildProcess; url: string; version: string }> {
  const entry = require.resolve('@portkey-ai/gateway/build/start-server.js');
  const { version } = JSON.parse(readFileSync(join(entry, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const port = await freePort();
  // Its port is only read as `--port=N` (a separate `--port N` is ignored: 8787).
  const proc = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < 10_000) stderr += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('Portkey', async () => (await fetch(`${url}/`)).ok, 30_000);
  } catch (err) {
    proc.kill();
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return { proc, url, version };
}

const REQUEST = {
  model: 'bench',
  messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
  max_tokens: 32,
};
const bodyFor = (mode: Mode, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ ...REQUEST, ...(mode === 'sse' ? { stream: true } : {}), ...extra });

/** One request with the body read as text; for streams also when the first and the last byte came. */
async function once(
  t: Target,
  mode: Mode,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; type: string; text: string; firstMs: number; lastMs: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.url}/chat/completions`, {
    method: 'POST',
    headers: t.headers,
    body: bodyFor(mode, extra),
  });
  let text = '';
  let firstMs = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (!firstMs) firstMs = performance.now() - t0;
    text += decoder.decode(chunk, { stream: true });
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    firstMs,
    lastMs: performance.now() - t0,
  };
}

async function upstreamStats(upstreamOrigin: string): Promise<{ requests: number; streams: number }> {
  return (await (await fetch(`${upstreamOrigin}/stats`)).json()) as { requests: number; streams: number };
}

/**
 * Each gateway really proxies to the fake upstream (the upstream counts the requests; the answer is
 * its text) and really streams (a stream whose upstream pauses 300 ms after its first chunk delivers that chunk at least half that
 * long before its end; a buffering proxy delivers both together).
 */
async function verifyProxying(t: Target, upstreamOrigin: string): Promise<number> {
  const before = await upstreamStats(upstreamOrigin);
  const json = await once(t, 'json');
  if (json.status !== 200 || !json.type.startsWith('application/json'))
    throw new Error(`${t.name}: JSON answered ${json.status} ${json.type}: ${json.text.slice(0, 300)}`);
  const parsed = JSON.parse(json.text) as { choices: { message: { content: string } }[] };
  if (parsed.choices[0].message.content !== CONTENT)
    throw new Error(`${t.name}: unexpected JSON ${json.text}`);
  const sse = await once(t, 'sse', { user: 'bench-slow' });
  if (sse.status !== 200 || !sse.type.startsWith('text/event-stream'))
    throw new Error(`${t.name}: SSE answered ${sse.status} ${sse.type}: ${sse.text.slice(0, 300)}`);
  if (!sse.text.includes(CONTENT) || !sse.text.includes('data: [DONE]'))
    throw new Error(`${t.name}: unexpected stream ${sse.text.slice(0, 500)}`);
  if (sse.lastMs - sse.firstMs < 150)
    throw new Error(
      `${t.name}: the stream was buffered (first chunk at ${sse.firstMs} ms, end at ${sse.lastMs} ms)`,
    );
  const after = await upstreamStats(upstreamOrigin);
  if (after.requests - before.requests !== 2 || after.streams - before.streams !== 1)
    throw new Error(`${t.name}: the fake upstream did not see exactly the two requests`);
  return 2;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;
const pad = (s: string | number, n: number): string => String(s).padStart(n);

async function main(): Promise<void> {
  const started = Date.now();
  const db = await openBenchDatabase(log);
  log(`database: ${db.source}`);
  const children: ChildProcess[] = [];
  const loadgen = new LoadGenerator();
  let gateway: Awaited<ReturnType<typeof startStandaloneGateway>> | null = null;
  let gatewayClosed = false;
  let projector: ChildProcess | null = null;
  const seedPool = new Pool({ connectionString: db.url, max: 4 });
  try {
    const upstream = child(UPSTREAM);
    children.push(upstream);
    const upstreamPort = await new Promise<number>((ok, fail) => {
      upstream.once('message', (m) => ok((m as { port: number }).port));
      upstream.once('exit', (code) => fail(new Error(`fake upstream exited (${code})`)));
    });
    const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
    const upstreamUrl = `${upstreamOrigin}/v1`;

    // Tollgate as it runs in production (standalone gateway): Postgres catalog, leases, usage on the event store.
    gateway = await startStandaloneGateway({
      databaseUrl: db.url,
      masterKey: randomBytes(32),
      port: 0,
      host: '127.0.0.1',
      runProjections: PROJECTIONS_IN_PROCESS,
    });
    if (!PROJECTIONS_IN_PROCESS) {
      projector = child(PROJECTOR);
      const started = projector;
      await new Promise<void>((ok, fail) => {
        started.once('message', () => ok());
        started.once('exit', (code) => fail(new Error(`projector exited (${code})`)));
        started.send({ url: db.url });
      });
    }
    const store = new PostgresEventStore({ pool: seedPool });
    const admin = gateway.app.get(GatewayAdmin);
    const { id: providerId } = await admin.createProvider({
      name: 'bench',
      baseUrl: upstreamUrl,
      apiKey: 'sk-bench',
    });
    await admin.upsertAlias({ name: 'bench', deployments: [{ providerId, upstreamModel: 'bench' }] });
    await admin.setCostProfile({
      providerId,
      upstreamModel: 'bench',
      inputPerMillion: '0.15',
      outputPerMillion: '0.6',
    });
    await admin.setSellPrice({ alias: 'bench', price: { kind: 'markup', markupPercent: '20' } });
    await admin.openAlias('bench');
    const grantNanocredits = 1_000_000n * 1_000_000_000n;
    const openAccount = async (accountId: string): Promise<string> => {
      const run = (command: AccountCommand) =>
        handleCommand<AccountCommand, AccountEvent, AccountState>({
          store,
          streamId: accountStream(accountId),
          decider: accountDecider,
          command,
          parse: (e) => parseAccountEvent(e.type, e.data)!,
        });
      const now = new Date().toISOString();
      await run({
        type: 'OpenAccount',
        accountId,
        idempotencyKey: `open-${accountId}`,
        now,
        workspaceId: `ws-${accountId}`,
        creditCurrency: 'EUR',
        overdraftLimitNanocredits: 0n,
      });
      await run({
        type: 'GrantCredits',
        accountId,
        idempotencyKey: `grant-${accountId}`,
        now,
        grantId: `g-${accountId}`,
        amountNanocredits: grantNanocredits,
        kind: 'manual',
        reason: 'bench',
        actor: 'bench',
      });
      return (await admin.createApiKey({ workspaceId: `ws-${accountId}`, accountId })).secret;
    };
    const measuredAccount = 'bench-measured';
    const warmupAccount = 'bench-warmup';
    const measuredKey = await openAccount(measuredAccount);
    const warmupKey = await openAccount(warmupAccount);

    const portkey = await startPortkey();
    children.push(portkey.proc);

    const json = { 'content-type': 'application/json' };
    const targets: Record<TargetName, Target> = {
      direct: {
        name: 'direct',
        url: upstreamUrl,
        headers: { ...json, authorization: 'Bearer sk-bench' },
        pid: upstream.pid!,
      },
      tollgate: {
        name: 'tollgate',
        url: `${gateway.url}/v1`,
        headers: { ...json, authorization: `Bearer ${measuredKey}` },
        pid: process.pid,
      },
      portkey: {
        name: 'portkey',
        url: `${portkey.url}/v1`,
        headers: {
          ...json,
          authorization: 'Bearer sk-bench',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': upstreamUrl,
        },
        pid: portkey.proc.pid!,
      },
    };
    const warmupHeaders = (t: Target): Record<string, string> =>
      t.name === 'tollgate' ? { ...t.headers, authorization: `Bearer ${warmupKey}` } : t.headers;

    // Requests charged to the measured account, counted from the client side.
    let measuredOk = 0;
    let warmupSent = 0;
    let warmupOk = 0;
    for (const name of ['direct', 'tollgate', 'portkey'] as const) {
      const n = await verifyProxying(targets[name], upstreamOrigin);
      if (name === 'tollgate') {
        measuredOk += n;
      }
    }
    log(
      `proxying verified: Tollgate and Portkey ${portkey.version} answer from the fake upstream and stream`,
    );

    // Sequential probe: direct, Tollgate and Portkey alternate request by request.
    const order: TargetName[] = ['direct', 'tollgate', 'portkey'];
    const probes = {} as Record<Mode, ProbeResult>;
    // Tollgate's own event-loop delay during the probe: its pauses, as opposed to the machine's.
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    const gcPausesMs: number[] = [];
    const gcKinds = new Map<string, { count: number; maxMs: number }>();
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcPausesMs.push(e.duration);
        const kind = GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
        const k = gcKinds.get(kind) ?? { count: 0, maxMs: 0 };
        k.count++;
        k.maxMs = Math.max(k.maxMs, e.duration);
        gcKinds.set(kind, k);
      }
    });
    gc.observe({ entryTypes: ['gc'] });
    loopDelay.enable();
    for (const mode of ['json', 'sse'] as const) {
      probes[mode] = await loadgen.run<ProbeResult>({
        kind: 'probe',
        targets: order.map((n) => ({
          url: `${targets[n].url}/chat/completions`,
          headers: targets[n].headers,
        })),
        body: bodyFor(mode),
        requests: SEQUENTIAL,
        stream: mode === 'sse',
      });
      if (probes[mode].errors > 0) throw new Error(`sequential ${mode} probe: ${probes[mode].errors} errors`);
      measuredOk += SEQUENTIAL + 50;
    }
    loopDelay.disable();
    gc.disconnect();
    const heapUsedMb = Math.round(process.memoryUsage().heapUsed / 1e6);
    gcPausesMs.sort((a, b) => a - b);

    // Throughput: per (mode, connections), the three targets back to back so they see the same machine.
    type Row = CannonResult & {
      target: TargetName;
      mode: Mode;
      connections: number;
      cpuMsPerRequest: number;
    };
    const rows: Row[] = [];
    for (const mode of ['json', 'sse'] as const)
      for (const connections of CONNECTIONS)
        for (const name of order) {
          const t = targets[name];
          const body = bodyFor(mode);
          const url = `${t.url}/chat/completions`;
          const warm = await loadgen.run<CannonResult>({
            url,
            headers: warmupHeaders(t),
            body,
            connections,
            seconds: WARMUP_SECONDS,
          });
          if (name === 'tollgate') {
            warmupSent += warm.sent;
            warmupOk += warm.ok;
          }
          const amount = Math.min(
            MAX_REQUESTS_PER_RUN,
            Math.max(connections * 40, Math.round(warm.rps * SECONDS)),
          );
          const cpu0 = cpuMs(t.pid);
          const r = await loadgen.run<CannonResult>({ url, headers: t.headers, body, connections, amount });
          const cpu = cpuMs(t.pid) - cpu0;
          if (name === 'tollgate') {
            measuredOk += r.ok;
          }
          rows.push({
            ...r,
            target: name,
            mode,
            connections,
            cpuMsPerRequest: cpu / Math.max(1, r.completed),
          });
        }

    // Billing check: close the gateway (flushes usage, settles every lease), then read the ledger.
    await gateway.close();
    gatewayClosed = true;
    const ledger = async (accountId: string) => {
      const { rows: usage } = await seedPool.query<{
        status: string;
        n: number;
        price: string;
        min: string;
        max: string;
      }>(
        `SELECT data->>'status' AS status, count(*)::int AS n, sum((data->>'priceNanocredits')::numeric)::text AS price,
                min((data->>'priceNanocredits')::numeric)::text AS min, max((data->>'priceNanocredits')::numeric)::text AS max
           FROM events WHERE type = 'UsageRecorded' AND data->>'accountId' = $1 GROUP BY 1`,
        [accountId],
      );
      let state = accountDecider.initialState();
      for (const e of await store.readStream(accountStream(accountId))) {
        const event = parseAccountEvent(e.type, e.data);
        if (event) state = accountDecider.evolve(state, event);
      }
      if (state.status !== 'open') throw new Error(`account ${accountId} is not open`);
      const byStatus = new Map(usage.map((u) => [u.status, u]));
      const total = usage.reduce((s, u) => s + BigInt(u.price), 0n);
      return { byStatus, total, spent: state.totals.spentNanocredits, openLeases: state.openLeases.size };
    };
    const measured = await ledger(measuredAccount);
    const warm = await ledger(warmupAccount);
    const succeeded = measured.byStatus.get('succeeded');
    const problems: string[] = [];
    if (!succeeded || succeeded.n !== measuredOk || measured.byStatus.size !== 1)
      problems.push(
        `measured account: ${measuredOk} requests answered 200 but the ledger holds ${JSON.stringify([...measured.byStatus.values()])}`,
      );
    if (succeeded && (succeeded.min !== succeeded.max || BigInt(succeeded.min) <= 0n))
      problems.push(
        `measured account: charges differ between identical requests (${succeeded.min}..${succeeded.max})`,
      );
    for (const [name, l] of [
      ['measured', measured],
      ['warm-up', warm],
    ] as const) {
      if (l.openLeases !== 0)
        problems.push(`${name} account: ${l.openLeases} leases left open after shutdown`);
      if (l.spent !== l.total)
        problems.push(`${name} account: leases settled ${l.spent} nanocredits but usage sums to ${l.total}`);
    }
    const warmSucceeded = warm.byStatus.get('succeeded')?.n ?? 0;
    const warmRecorded = [...warm.byStatus.values()].reduce((s, u) => s + u.n, 0);
    if (warmSucceeded < warmupOk || warmRecorded > warmupSent)
      problems.push(
        `warm-up account: ${warmupOk} answered 200 of ${warmupSent} sent, but ${warmSucceeded} succeeded / ${warmRecorded} recorded`,
      );

    // Report.
    const probeRow = (mode: Mode, i: number) => probes[mode].perTarget[i];
    const lines: string[] = [];
    lines.push(
      `Tollgate vs Portkey ${portkey.version} over a fake upstream on 127.0.0.1; ${db.source}; ` +
        `read models ${PROJECTIONS_IN_PROCESS ? 'projected inside the gateway' : 'by a projector process'}; load ${loadAverage()}`,
    );
    lines.push('');
    lines.push('throughput (autocannon, fixed request count after a timed warm-up)');
    lines.push(
      `${'target'.padEnd(9)} ${'mode'.padEnd(4)} ${pad('conns', 5)} ${pad('req/s', 8)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('requests', 8)} ${pad('non2xx', 6)} ${pad('errors', 6)} ${pad('cpu ms/req', 10)}`,
    );
    for (const r of rows)
      lines.push(
        `${r.target.padEnd(9)} ${r.mode.padEnd(4)} ${pad(r.connections, 5)} ${pad(Math.round(r.rps), 8)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.completed, 8)} ${pad(r.non2xx, 6)} ${pad(r.errors, 6)} ${pad(round(r.cpuMsPerRequest), 10)}`,
      );
    lines.push('');
    lines.push(`sequential probe (${SEQUENTIAL} requests per target and mode, targets alternating)`);
    lines.push(
      `${'target'.padEnd(9)} ${pad('json p50', 9)} ${pad('json p99', 9)} ${pad('sse 1st p50', 11)} ${pad('sse 1st p99', 11)}`,
    );
    order.forEach((name, i) =>
      lines.push(
        `${name.padEnd(9)} ${pad(round(probeRow('json', i).p50), 9)} ${pad(round(probeRow('json', i).p99), 9)} ${pad(round(probeRow('sse', i).p50), 11)} ${pad(round(probeRow('sse', i).p99), 11)}`,
      ),
    );
    lines.push(
      `Tollgate during the probe: event-loop delay p50 ${lateMs(loopDelay.percentile(50))} ms, ` +
        `p99 ${lateMs(loopDelay.percentile(99))} ms, max ${lateMs(loopDelay.max)} ms (machine and process); ` +
        `${gcPausesMs.length} GC pauses, p99 ${round(gcPausesMs[Math.floor(gcPausesMs.length * 0.99)] ?? 0)} ms, ` +
        `max ${round(gcPausesMs[gcPausesMs.length - 1] ?? 0)} ms (` +
        [...gcKinds].map(([kind, k]) => `${kind} ${k.count}× ≤${round(k.maxMs)} ms`).join(', ') +
        `); heap in use ${heapUsedMb} MB`,
    );
    lines.push('');
    lines.push(
      `billing: ${measuredOk} measured requests answered 200, ${succeeded?.n ?? 0} UsageRecorded (succeeded) on the ledger, ` +
        `${measured.total} nanocredits charged = ${measured.spent} settled; warm-up ${warmSucceeded} charged of ${warmupOk} answered. ` +
        (problems.length === 0 ? 'OK' : 'MISMATCH'),
    );
    lines.push(`took ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(lines.join('\n'));

    const row = (target: TargetName) =>
      rows.find((r) => r.target === target && r.mode === 'json' && r.connections === 50)!;
    const direct = row('direct');
    const tollgate = row('tollgate');
    const pk = row('portkey');
    const summary = {
      bench: 'gateway',
      direct_rps: Math.round(direct.rps),
      tollgate_rps: Math.round(tollgate.rps),
      portkey_rps: Math.round(pk.rps),
      tollgate_vs_portkey_rps: round(tollgate.rps / pk.rps, 2),
      added_p50_ms: round(probeRow('json', 1).p50 - probeRow('json', 0).p50),
      added_p99_ms: round(probeRow('json', 1).p99 - probeRow('json', 0).p99),
      sse_first_chunk_added_p50_ms: round(probeRow('sse', 1).p50 - probeRow('sse', 0).p50),
    };
    if (problems.length > 0) {
      for (const p of problems) console.error(`[bench] billing check failed: ${p}`);
      process.exitCode = 1;
    }
    console.log(JSON.stringify(summary));
  } finally {
    loadgen.stop();
    for (const c of children) c.kill();
    if (gateway && !gatewayClosed) await gateway.close().catch(() => undefined);
    if (projector && projector.exitCode === null) {
      const running = projector;
      const exited = new Promise((ok) => running.once('exit', ok));
      running.send({ stop: true });
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5_000))]);
      running.kill();
    }
    await seedPool.end();
    await db.dispose();
  }
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
