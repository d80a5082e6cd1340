import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { gatewayErrorFromHttpStatus, GatewayProxy, sendError, type Endpoint } from '@tollgate/gateway-core';
import { newRequestId } from './openai.controller';

/** The hot routes answered straight from node's 'request' event (exact path, POST, JSON body). */
const HOT_ROUTES: ReadonlyMap<string, Endpoint> = new Map([
  ['/v1/chat/completions', 'chat'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
]);

const INSTALLED = Symbol.for('tollgate.rawV1Routes');

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves POST /v1/chat/completions, /v1/completions and /v1/embeddings without the framework: the
 * body is read and parsed here and handed to the framework-free GatewayProxy, skipping fastify's
 * routing and content-type parsing and Nest's router (about a fifth of a request's CPU at load).
 * Everything else (other methods, query strings, other content types, every other route) goes to
 * fastify as before, where OpenAiController serves the same routes with the same behaviour.
 * The limits and answers match fastify's: its bodyLimit (413), malformed JSON (400), and the same
 * prototype-poisoning refusal, all as OpenAI error objects.
 */
export function installRawV1Routes(server: Server, proxy: GatewayProxy, bodyLimitBytes: number): void {
  const marked = server as Server & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = req.method === 'POST' ? HOT_ROUTES.get(req.url ?? '') : undefined;
    if (endpoint !== undefined && isJson(req.headers['content-type'])) {
      serveRaw(proxy, endpoint, req, res, bodyLimitBytes);
      return;
    }
    for (const listener of framework) listener.call(server, req, res);
  });
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json';
}

function serveRaw(
  proxy: GatewayProxy,
  endpoint: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  limitBytes: number,
): void {
  const startedAt = performance.now();
  const requestId = newRequestId();
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    refuseTooLarge(req, res, requestId);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limitBytes) {
      refused = true;
      refuseTooLarge(req, res, requestId);
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => {
    // The client went away while sending: nothing to answer, nothing was admitted.
    refused = true;
  });
  req.on('end', () => {
    if (refused) return;
    const parsed = parseJsonBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    if (!parsed.ok) {
      sendError(res, requestId, gatewayErrorFromHttpStatus(400, parsed.message));
      return;
    }
    void proxy.handle(
      {
        endpoint,
        authorization: req.headers.authorization,
        body: parsed.value,
        bodyBytes: size,
        requestId,
        startedAt,
      },
      res,
    );
  });
}

/** 413, then the connection is closed rather than the rest of the body read. */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  res.setHeader('connection', 'close');
  sendError(res, requestId, gatewayErrorFromHttpStatus(413, 'request body too large'));
  res.once('finish', () => req.destroy());
}

type ParsedBody = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON.parse with fastify's answers: empty body and syntax errors are 400, and so is prototype poisoning. */
export function parseJsonBody(raw: Buffer): ParsedBody {
  if (raw.length === 0)
    return { ok: false, message: "Body cannot be empty when content-type is set to 'application/json'" };
  const text = raw.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  if ((text.includes('__proto__') || text.includes('constructor')) && poisoned(value, 0))
    return { ok: false, message: 'Object contains forbidden prototype property' };
  return { ok: true, value };
}

const MAX_SCAN_DEPTH = 256;

/** A `__proto__` key or a `constructor.prototype` anywhere (secure-json-parse's definition). */
function poisoned(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || depth > MAX_SCAN_DEPTH) return false;
  if (Array.isArray(value)) return value.some((v) => poisoned(v, depth + 1));
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  const ctor = (value as Record<string, unknown>).constructor;
  if (
    Object.prototype.hasOwnProperty.call(value, 'constructor') &&
    typeof ctor === 'object' &&
    ctor !== null &&
    Object.prototype.hasOwnProperty.call(ctor, 'prototype')
  )
    return true;
  return Object.values(value).some((v) => poisoned(v, depth + 1));
}

/** Installs the raw routes on the app's HTTP server once Nest is up (before it listens). */
@Injectable()
export class RawV1Routes implements OnApplicationBootstrap {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(GatewayProxy) private readonly proxy: GatewayProxy,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.host.httpAdapter;
    if (!adapter || adapter.getType() !== 'fastify') return;
    const instance = adapter.getInstance<{ initialConfig: { bodyLimit?: number } }>();
    const server = adapter.getHttpServer() as Server;
    // fastify's own default (1 MiB) when the adapter was not given one.
    installRawV1Routes(server, this.proxy, instance.initialConfig.bodyLimit ?? 1024 * 1024);
  }
}
