import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Usage the fake reports (OpenAI convention: cached inside prompt, reasoning inside completion). */
export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** What the fake does for one upstream model name. */
export type FakeBehaviour =
  /** Answers normally; `usage: null` omits usage (JSON) or the usage chunk (streams). */
  | { kind: 'ok'; content?: string; usage?: FakeUsage | null; chunkDelayMs?: number }
  | { kind: 'status'; status: number; message?: string }
  /** Accepts the request and never answers (a timeout on cue). */
  | { kind: 'hang' }
  /** Streams `afterChunks` content chunks (0 = none), then drops the connection. JSON: drops it mid-body. */
  | { kind: 'cut'; afterChunks: number };

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export const DEFAULT_CONTENT = 'Hello from the fake upstream!';
export const DEFAULT_USAGE: FakeUsage = { promptTokens: 12, completionTokens: 7 };

/**
 * An OpenAI-speaking HTTP server on 127.0.0.1 for tests: chat (JSON + SSE), completions, embeddings.
 * Behaviour is chosen per upstream model name (`behave`), default `ok`. Every request is recorded.
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly behaviours = new Map<string, FakeBehaviour>();
  private readonly sockets = new Set<Socket>();
  private created = 1_700_000_000;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeUpstream> {
    let fake: FakeUpstream | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    fake = new FakeUpstream(server, `http://127.0.0.1:${port}/v1`);
    server.on('connection', (s: Socket) => {
      fake?.sockets.add(s);
      s.on('close', () => fake?.sockets.delete(s));
    });
    return fake;
  }

  behave(model: string, behaviour: FakeBehaviour): void {
    this.behaviours.set(model, behaviour);
  }

  /** Requests made for one upstream model. */
  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, {
        error: { message: 'bad json', type: 'invalid_request_error', param: null, code: null },
      });
    }
    const path = (req.url ?? '').replace(/^\/v1/, '');
    this.requests.push({ path, headers: req.headers, body });
    const model = String(body.model);
    const behaviour = this.behaviours.get(model) ?? { kind: 'ok' };
    switch (behaviour.kind) {
      case 'hang':
        return; // the socket is destroyed on close()
      case 'status':
        return json(res, behaviour.status, {
          error: {
            message: behaviour.message ?? `fake ${behaviour.status}`,
            type: 'server_error',
            param: null,
            code: null,
          },
        });
      case 'cut':
      case 'ok':
        break;
      default: {
        const never: never = behaviour;
        throw new Error(String(never));
      }
    }
    const usage =
      behaviour.kind === 'ok'
        ? behaviour.usage === undefined
          ? DEFAULT_USAGE
          : behaviour.usage
        : DEFAULT_USAGE;
    const content = behaviour.kind === 'ok' ? (behaviour.content ?? DEFAULT_CONTENT) : DEFAULT_CONTENT;
    const id = `fake-${this.requests.length}`;
    const created = this.created++;
    if (path === '/embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return json(res, 200, {
        object: 'list',
        model,
        data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, -0.2, 0.3] })),
        ...(usage ? { usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens } } : {}),
      });
    }
    const chat = path === '/chat/completions';
    const n = typeof body.n === 'number' ? body.n : 1;
    const toolName = chat ? firstToolName(body.tools) : null;
    if (behaviour.kind === 'cut' && body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"' + id + '","object":"chat.compl');
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    if (body.stream !== true) {
      const choices = Array.from({ length: n }, (_, index) =>
        chat
          ? {
              index,
              finish_reason: toolName ? 'tool_calls' : 'stop',
              logprobs: null,
              message: toolName
                ? {
                    role: 'assistant',
                    content: null,
                    refusal: null,
                    tool_calls: [
                      {
                        id: `call_${index}`,
                        type: 'function',
                        function: { name: toolName, arguments: '{"city":"Paris"}' },
                      },
                    ],
                  }
                : { role: 'assistant', content, refusal: null },
            }
          : { index, text: content, logprobs: null, finish_reason: 'stop' },
      );
      return json(res, 200, {
        id,
        object: chat ? 'chat.completion' : 'text_completion',
        created,
        model,
        choices,
        ...(usage ? { usage: usageObject(usage) } : {}),
      });
    }
    // Streaming.
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const pieces = content.match(/.{1,6}/gs) ?? [];
    const delayMs = behaviour.kind === 'ok' ? (behaviour.chunkDelayMs ?? 0) : 0;
    const usageField = includeUsage ? { usage: null } : {};
    const chunk = (choices: unknown[]): string =>
      `data: ${JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', created, model, choices, ...usageField })}\n\n`;
    const send = async (text: string): Promise<boolean> => {
      if (res.destroyed) return false;
      res.write(text);
      if (delayMs > 0) await new Promise((ok) => setTimeout(ok, delayMs));
      return !res.destroyed;
    };
    if (chat && behaviour.kind === 'ok')
      await send(
        chunk(
          range(n).map((index) => ({
            index,
            delta: { role: 'assistant', content: '' },
            finish_reason: null,
            logprobs: null,
          })),
        ),
      );
    let sent = 0;
    for (const piece of pieces) {
      if (behaviour.kind === 'cut' && sent >= behaviour.afterChunks) return cut(res);
      const choices = range(n).map((index) =>
        chat
          ? { index, delta: { content: piece }, finish_reason: null, logprobs: null }
          : { index, text: piece, finish_reason: null, logprobs: null },
      );
      if (!(await send(chunk(choices)))) return;
      sent++;
    }
    if (behaviour.kind === 'cut') return cut(res);
    await send(
      chunk(
        range(n).map((index) =>
          chat
            ? { index, delta: {}, finish_reason: 'stop', logprobs: null }
            : { index, text: '', finish_reason: 'stop', logprobs: null },
        ),
      ),
    );
    if (includeUsage && usage)
      await send(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageObject(usage) })}\n\n`,
      );
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  }
}

/** Drops the connection once what was written has gone out (destroying at once would discard it). */
function cut(res: ServerResponse): void {
  setTimeout(() => res.socket?.destroy(), 20);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function firstToolName(tools: unknown): string | null {
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const name = (tools[0] as { function?: { name?: unknown } }).function?.name;
  return typeof name === 'string' ? name : null;
}

function usageObject(u: FakeUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
