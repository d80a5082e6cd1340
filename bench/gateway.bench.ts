/**
 * `npm run bench:gateway`: what the gateway adds on top of its upstream, printed as JSON.
 *
 * Three processes so they do not share an event loop: a minimal OpenAI-speaking upstream (child), the
 * load generator (child, undici), and the gateway under test (this process, the real GatewayModule
 * with Postgres catalog and lease admission). Each measurement runs once straight against the
 * upstream and once through the gateway; "added" is the difference.
 * Env: DATABASE_URL (else embedded Postgres in a temp dir), BENCH_SECONDS (default 5), BENCH_CONCURRENCY (32).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { handleCommand, migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import {
  accountDecider,
  accountStream,
  parseAccountEvent,
  type AccountCommand,
  type AccountEvent,
} from '@tollgate/ledger';
import { createDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@tollgate/platform';
import { GatewayAdmin } from '../apps/gateway/src/catalog/gateway-admin';
import { createLeaseAdmission, GATEWAY_BODY_LIMIT_BYTES } from '../apps/gateway/src/gateway-app';
import { GatewayModule } from '../apps/gateway/src/gateway.module';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SEQUENTIAL_REQUESTS = Number(process.env.BENCH_SEQUENTIAL ?? 2000);

/** A fixed-answer upstream: chat JSON and SSE with usage, like OpenAI's. */
const UPSTREAM = `
const http = require('node:http');
const json = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'bench',
  choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'Hello there, bench!', refusal: null } }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } });
const chunk = (delta, finish) => 'data: ' + JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1700000000, model: 'bench',
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }) + '\\n\\n';
const usage = 'data: ' + JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1700000000, model: 'bench', choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }) + '\\n\\n';
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: '' }, null));
      res.write(chunk({ content: 'Hello there, bench!' }, null));
      res.write(chunk({}, 'stop'));
      if (body.includes('include_usage')) res.write(usage);
      res.end('data: [DONE]\\n\\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }
  });
}).listen(0, '127.0.0.1', function () { process.send({ port: this.address().port }); });
`;

/** Load generator: sequential (latency) or concurrent (throughput), JSON or SSE (time to first chunk). */
const LOADGEN = `
const { Pool } = require('undici');
process.on('message', async ({ url, key, mode, concurrency, seconds, requests, stream }) => {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: concurrency });
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32, stream });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer ' + key };
  const path = u.pathname.replace(/\\/$/, '') + '/chat/completions';
  const latencies = [];
  let errors = 0;
  const one = async () => {
    const t0 = process.hrtime.bigint();
    const res = await pool.request({ method: 'POST', path, headers, body });
    let first = 0n;
    for await (const c of res.body) if (!first) first = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    if (res.statusCode !== 200) errors++;
    latencies.push(Number((stream ? first : t1) - t0) / 1e6);
  };
  for (let i = 0; i < 50; i++) await one(); // warm-up
  latencies.length = 0;
  errors = 0;
  const start = Date.now();
  if (mode === 'sequential') {
    for (let i = 0; i < requests; i++) await one();
  } else {
    const deadline = start + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < deadline) await one(); }));
  }
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  process.send({ count: latencies.length, errors, rps: latencies.length / elapsed, p50: q(0.5), p90: q(0.9), p99: q(0.99) });
  await pool.close();
  process.exit(0);
});
`;

interface LoadResult {
  count: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
}

function child(code: string): ChildProcess {
  return spawn(process.execPath, ['-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: process.cwd(),
  });
}

async function load(
  url: string,
  key: string,
  options: { mode: 'sequential' | 'concurrent'; stream: boolean },
): Promise<LoadResult & { gatewayCpuMsPerRequest: number }> {
  const gen = child(LOADGEN);
  const cpu0 = process.cpuUsage();
  const result = await new Promise<LoadResult>((ok, fail) => {
    gen.once('message', (m) => ok(m as LoadResult));
    gen.once('error', fail);
    gen.send({
      url,
      key,
      mode: options.mode,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      requests: SEQUENTIAL_REQUESTS,
      stream: options.stream,
    });
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    ...result,
    gatewayCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, result.count + 50),
  };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

async function main(): Promise<void> {
  let embedded: EmbeddedPostgresHandle | null = null;
  let tmp: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tmp = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    embedded = await startEmbeddedPostgres({ dataDir: join(tmp, 'pg') });
    adminUrl = embedded.url;
  }
  const dbUrl = await createDatabase(adminUrl, `bench_${randomBytes(4).toString('hex')}`);
  const pool = new Pool({ connectionString: dbUrl, max: 10 });
  await migrateEventStore(pool);
  const store = new PostgresEventStore({ pool });
  const admission = createLeaseAdmission(store);

  const upstream = child(UPSTREAM);
  const upstreamPort = await new Promise<number>((ok) =>
    upstream.once('message', (m) => ok((m as { port: number }).port)),
  );
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/v1`;

  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ pool, masterKey: randomBytes(32), admission }),
    new FastifyAdapter({ bodyLimit: GATEWAY_BODY_LIMIT_BYTES }),
    { logger: ['error'] },
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const gatewayUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;

  const admin = app.get(GatewayAdmin);
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
  const accountId = 'bench-account';
  const run = (command: AccountCommand) =>
    handleCommand<AccountCommand, AccountEvent, ReturnType<typeof accountDecider.initialState>>({
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
    idempotencyKey: 'open',
    now,
    workspaceId: 'bench',
    creditCurrency: 'EUR',
    overdraftLimitNanocredits: 0n,
  });
  await run({
    type: 'GrantCredits',
    accountId,
    idempotencyKey: 'grant',
    now,
    grantId: 'g1',
    amountNanocredits: 1_000_000n * 1_000_000_000n,
    kind: 'manual',
    reason: 'bench',
    actor: 'bench',
  });
  const { secret } = await admin.createApiKey({ workspaceId: 'bench', accountId });

  const results: Record<string, unknown> = {};
  const directSeq = await load(upstreamUrl, 'sk-bench', { mode: 'sequential', stream: false });
  const gatewaySeq = await load(gatewayUrl, secret, { mode: 'sequential', stream: false });
  const directSse = await load(upstreamUrl, 'sk-bench', { mode: 'sequential', stream: true });
  const gatewaySse = await load(gatewayUrl, secret, { mode: 'sequential', stream: true });
  const directLoad = await load(upstreamUrl, 'sk-bench', { mode: 'concurrent', stream: false });
  const gatewayLoad = await load(gatewayUrl, secret, { mode: 'concurrent', stream: false });

  results.added_p50_ms = round(gatewaySeq.p50 - directSeq.p50);
  results.added_p99_ms = round(gatewaySeq.p99 - directSeq.p99);
  results.sse_first_chunk_added_p50_ms = round(gatewaySse.p50 - directSse.p50);
  results.gateway_cpu_ms_per_request = round(gatewayLoad.gatewayCpuMsPerRequest);
  results.gateway_rps = Math.round(gatewayLoad.rps);
  results.direct_rps = Math.round(directLoad.rps);
  results.gateway_errors = gatewaySeq.errors + gatewaySse.errors + gatewayLoad.errors;
  results.concurrency = CONCURRENCY;
  results.detail = { directSeq, gatewaySeq, directSse, gatewaySse, directLoad, gatewayLoad };
  results.portkey = 'not measured yet (needs @portkey-ai/gateway run beside it)';
  console.log(JSON.stringify(results, null, 2));

  await app.close();
  upstream.kill();
  await store.close();
  await pool.end();
  if (embedded) await embedded.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
