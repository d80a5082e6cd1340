import { Pool, type Dispatcher } from 'undici';
import type { AttemptFailure } from '../routing/fallback';

export interface UpstreamTimeouts {
  connectMs: number;
  /** Until the response headers arrive (a model's time to first token, for streams). */
  headersMs: number;
  /** Longest silence between two body chunks. */
  bodyIdleMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = {
  connectMs: 5_000,
  headersMs: 60_000,
  bodyIdleMs: 60_000,
};

export interface UpstreamPoolOptions {
  timeouts: UpstreamTimeouts;
  /** Keep-alive connections per upstream origin. */
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_UPSTREAM_POOL: UpstreamPoolOptions = {
  timeouts: DEFAULT_UPSTREAM_TIMEOUTS,
  connectionsPerOrigin: 256,
  keepAliveTimeoutMs: 30_000,
};

interface Target {
  pool: Pool;
  /** Path of the Base URL (e.g. `/v1`), to which endpoint paths are appended. */
  pathPrefix: string;
}

/** The upstream key is the only credential sent; no client header is ever forwarded. */
export interface UpstreamRequest {
  baseUrl: string;
  apiKey: string;
  /** e.g. `/chat/completions`. */
  path: string;
  body: string;
  requestId: string;
  stream: boolean;
  signal?: AbortSignal;
}

/** One keep-alive undici Pool per upstream origin, created on first use and reused by every request. */
export class UpstreamPools {
  private readonly targets = new Map<string, Target>();
  constructor(readonly options: UpstreamPoolOptions) {}

  request(req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    const target = this.target(req.baseUrl);
    const { timeouts } = this.options;
    return target.pool.request({
      method: 'POST',
      path: target.pathPrefix + req.path,
      headers: {
        'content-type': 'application/json',
        accept: req.stream ? 'text/event-stream' : 'application/json',
        authorization: `Bearer ${req.apiKey}`,
        'x-request-id': req.requestId,
      },
      body: req.body,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyIdleMs,
      signal: req.signal,
    });
  }

  async close(): Promise<void> {
    const pools = [...this.targets.values()].map((t) => t.pool);
    this.targets.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }

  private target(baseUrl: string): Target {
    let target = this.targets.get(baseUrl);
    if (!target) {
      const url = new URL(baseUrl);
      target = {
        pool: new Pool(url.origin, {
          connections: this.options.connectionsPerOrigin,
          keepAliveTimeout: this.options.keepAliveTimeoutMs,
          connect: { timeout: this.options.timeouts.connectMs },
        }),
        pathPrefix: url.pathname.replace(/\/+$/, ''),
      };
      this.targets.set(baseUrl, target);
    }
    return target;
  }
}

/** What an undici error means for routing. `afterHeaders`: the error came while reading the body. */
export function failureFromError(err: unknown, afterHeaders: boolean): AttemptFailure {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout', phase: 'connect' };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'timeout', phase: 'headers' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'timeout', phase: 'body' };
    default:
      if (afterHeaders) return { kind: 'stream_cut' };
      return {
        kind: 'connect',
        message: typeof code === 'string' ? code : String((err as Error)?.message ?? err),
      };
  }
}

/** Reads a whole body, refusing more than `maxBytes` (the upstream is not trusted to be small). */
export async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw Object.assign(new Error(`upstream response larger than ${maxBytes} bytes`), {
        code: 'TG_TOO_LARGE',
      });
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
