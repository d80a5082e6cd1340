import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { eventually } from '../support/all-in-one';
import { spawnTollgateStart, type SpawnedTollgate } from './support/spawn-tollgate';

jest.setTimeout(60_000);

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** A local OTLP/HTTP collector: keeps every span posted to /v1/traces (JSON encoding). */
async function startCollector(): Promise<{
  url: string;
  spans: OtlpSpan[];
  paths: string[];
  server: Server;
}> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, paths, server };
}

function attr(span: OtlpSpan, key: string): string | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? String(v.intValue) : undefined);
}

describe('operations: OpenTelemetry traces over OTLP/HTTP', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: SpawnedTollgate;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-otel-'));
    // The exporter loads node:http with a dynamic import(), which jest's VM refuses: the real process runs it.
    running = await spawnTollgateStart({
      DATABASE_URL: db.url,
      TOLLGATE_DATA_DIR: dataDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
  });

  afterAll(async () => {
    running?.child.kill('SIGTERM');
    await running?.exited;
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await new Promise((ok) => collector?.server.close(ok));
  });

  it('given OTEL_EXPORTER_OTLP_ENDPOINT, when a /v1 request is served, then the collector receives request → upstream attempt and request → ledger append spans of one trace', async () => {
    const openai = new OpenAI({ apiKey: running.apiKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
    const { response } = await openai.chat.completions
      .create({ model: 'demo-chat', messages: [{ role: 'user', content: 'trace me' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;

    const spansOf = (): OtlpSpan[] =>
      collector.spans.filter((s) => attr(s, 'tollgate.request_id') === requestId);
    const found = await eventually(async () => {
      const spans = spansOf();
      return spans.some((s) => s.name === 'ledger.append_usage') ? spans : undefined;
    }, 'the request, attempt and ledger spans');

    const request = found.find((s) => s.name === 'POST /v1/chat/completions')!;
    expect(request).toBeDefined();
    expect(request.parentSpanId ?? '').toBe('');
    expect(attr(request, 'tollgate.alias')).toBe('demo-chat');
    expect(attr(request, 'http.response.status_code')).toBe('200');
    const append = found.find((s) => s.name === 'ledger.append_usage')!;
    expect(append.traceId).toBe(request.traceId);
    expect(append.parentSpanId).toBe(request.spanId);
    const attempts = collector.spans.filter(
      (s) => s.name === 'gateway.upstream_attempt' && s.parentSpanId === request.spanId,
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0].traceId).toBe(request.traceId);
    expect(attr(attempts[0], 'tollgate.outcome')).toBe('succeeded');
    expect(collector.paths.every((p) => p === '/v1/traces')).toBe(true);
  });
});
