import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * The seeded demo's upstream: an OpenAI-compatible model served by Tollgate itself, so a newcomer can
 * try the gateway, metering and billing with no provider account. It is a real HTTP upstream the
 * gateway calls like any other; operators replace it with their own providers.
 */
const DEMO_MODEL = 'tollgate-demo-1';
const MAX_ECHO_CHARS = 200;

interface ChatBody {
  messages?: { role?: string; content?: unknown }[];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  n?: number;
  stream_options?: { include_usage?: boolean };
}

/** A rough count (4 characters a token) that is deterministic, which is all a demo needs. */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function lastUserText(body: ChatBody): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const c = messages[i]?.content;
    if (messages[i]?.role === 'user' && typeof c === 'string') return c;
  }
  return '';
}

@Controller('demo-upstream/v1')
export class DemoUpstreamController {
  @Get('models')
  models(): unknown {
    return {
      object: 'list',
      data: [{ id: DEMO_MODEL, object: 'model', created: 1764201600, owned_by: 'tollgate-demo' }],
    };
  }

  @Post('chat/completions')
  @HttpCode(200)
  async chat(@Body() body: ChatBody, @Res() reply: FastifyReply): Promise<void> {
    const said = lastUserText(body).slice(0, MAX_ECHO_CHARS);
    const cap = body.max_completion_tokens ?? body.max_tokens ?? 256;
    let text = `Hello from Tollgate's demo model. You said: "${said}". Every token of this answer was metered and charged in credits.`;
    if (tokens(text) > cap) text = text.slice(0, cap * 4);
    const promptText = (body.messages ?? [])
      .map((m) => (typeof m.content === 'string' ? m.content : ''))
      .join('\n');
    const n = Math.min(Math.max(body.n ?? 1, 1), 8);
    const usage = {
      prompt_tokens: tokens(promptText),
      completion_tokens: tokens(text) * n,
      total_tokens: tokens(promptText) + tokens(text) * n,
    };
    const id = `chatcmpl-demo-${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      await reply.send({
        id,
        object: 'chat.completion',
        created,
        model: DEMO_MODEL,
        choices: Array.from({ length: n }, (_, index) => ({
          index,
          message: { role: 'assistant', content: text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        })),
        usage,
      });
      return;
    }
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
      reply.raw.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: DEMO_MODEL, choices, ...extra })}\n\n`,
      );
    };
    const words = text.split(/(?<= )/);
    for (let index = 0; index < n; index++) {
      chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      for (const w of words) chunk([{ index, delta: { content: w }, finish_reason: null }]);
      chunk([{ index, delta: {}, finish_reason: 'stop' }]);
    }
    if (body.stream_options?.include_usage) chunk([], { usage });
    reply.raw.end('data: [DONE]\n\n');
  }

  @Post('embeddings')
  @HttpCode(200)
  embeddings(@Body() body: { input?: unknown }): unknown {
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const data = inputs.map((text, index) => ({
      object: 'embedding',
      index,
      // A deterministic 8-dimensional vector from the text's character codes.
      embedding: Array.from(
        { length: 8 },
        (_, d) => ((text.charCodeAt(d % Math.max(text.length, 1)) || 0) % 97) / 97,
      ),
    }));
    const prompt = inputs.reduce((s, t) => s + tokens(t), 0);
    return {
      object: 'list',
      data,
      model: DEMO_MODEL,
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    };
  }
}

export const DEMO_UPSTREAM_MODEL = DEMO_MODEL;
