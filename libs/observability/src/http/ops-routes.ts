import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TollgateMetrics } from '../metrics/metrics';
import type { Readiness } from './readiness';

export interface OpsEndpoints {
  metrics: TollgateMetrics;
  readiness: Readiness;
}

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** `/healthz`: the process is up and serving; says nothing about its dependencies. */
export function serveHealthz(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** `/readyz`: 200 when every check passes; 503 with each failing check's reason otherwise. */
export async function serveReadyz(res: ServerResponse, readiness: Readiness): Promise<void> {
  const report = await readiness.report();
  sendJson(res, report.ready ? 200 : 503, {
    status: report.ready ? 'ready' : 'not_ready',
    checks: report.checks,
  });
}

/** `/metrics`: Prometheus text format. */
export async function serveMetrics(res: ServerResponse, metrics: TollgateMetrics): Promise<void> {
  try {
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch (err) {
    sendJson(res, 500, { error: { code: 'METRICS_FAILED', message: (err as Error).message } });
  }
}

/** Answers an ops path on a plain node server (the projector alone); false for any other path. */
export function handleOpsRequest(req: IncomingMessage, res: ServerResponse, ops: OpsEndpoints): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '/').split('?', 1)[0];
  switch (path) {
    case '/healthz':
      serveHealthz(res);
      return true;
    case '/readyz':
      void serveReadyz(res, ops.readiness);
      return true;
    case '/metrics':
      void serveMetrics(res, ops.metrics);
      return true;
    default:
      return false;
  }
}

/** The part of a fastify instance the ops routes need (kept structural: no fastify import here). */
export interface RouteHost {
  get(
    path: string,
    handler: (req: unknown, reply: { hijack(): void; raw: ServerResponse }) => Promise<void> | void,
  ): unknown;
}

/** Registers `/healthz`, `/readyz` and `/metrics` on a fastify instance (before it starts listening). */
export function registerOpsRoutes(host: RouteHost, ops: OpsEndpoints): void {
  host.get('/healthz', (_req, reply) => {
    reply.hijack();
    serveHealthz(reply.raw);
  });
  host.get('/readyz', async (_req, reply) => {
    reply.hijack();
    await serveReadyz(reply.raw, ops.readiness);
  });
  host.get('/metrics', async (_req, reply) => {
    reply.hijack();
    await serveMetrics(reply.raw, ops.metrics);
  });
}
