import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayProxy, sendError, type Endpoint } from '@tollgate/gateway-core';

/** Our own id for every /v1 request (never the client's: it keys the usage record). */
export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, '')}`;
}

/**
 * The OpenAI-compatible routes. Handlers take over the raw response (`hijack`) and let the
 * framework-free GatewayProxy write it, so no Nest/fastify serialization sits on the hot path.
 */
@Controller('v1')
export class OpenAiController {
  constructor(@Inject(GatewayProxy) private readonly proxy: GatewayProxy) {}

  @Post('chat/completions')
  chat(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('chat', req, reply);
  }

  @Post('completions')
  completions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('completions', req, reply);
  }

  @Post('embeddings')
  embeddings(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('embeddings', req, reply);
  }

  @Get('models')
  async models(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = newRequestId();
    reply.hijack();
    try {
      sendJson(reply, requestId, await this.proxy.listModels(req.headers.authorization));
    } catch (err) {
      sendError(reply.raw, requestId, err);
    }
  }

  @Get('models/:model')
  async model(
    @Req() req: FastifyRequest,
    @Param('model') model: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const requestId = newRequestId();
    reply.hijack();
    try {
      sendJson(reply, requestId, await this.proxy.retrieveModel(req.headers.authorization, model));
    } catch (err) {
      sendError(reply.raw, requestId, err);
    }
  }

  private forward(endpoint: Endpoint, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const startedAt = performance.now();
    reply.hijack();
    const length = Number(req.headers['content-length']);
    return this.proxy.handle(
      {
        endpoint,
        authorization: req.headers.authorization,
        body: req.body,
        bodyBytes:
          Number.isFinite(length) && length > 0
            ? length
            : Buffer.byteLength(JSON.stringify(req.body ?? null)),
        requestId: newRequestId(),
        startedAt,
      },
      reply.raw,
    );
  }
}

function sendJson(reply: FastifyReply, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  reply.raw.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
  });
  reply.raw.end(text);
}
