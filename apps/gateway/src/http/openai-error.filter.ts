import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gatewayErrorFromHttpStatus, toOpenAiError } from '@tollgate/gateway-core';
import { newRequestId } from './openai.controller';

/**
 * Errors raised before a /v1 handler runs (unknown route, body too large, malformed JSON) answered as
 * OpenAI error objects; everything else goes to Nest's default handling.
 */
@Catch()
export class OpenAiErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const url = req?.url ?? '';
    if (!(url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?')))
      return super.catch(exception, host);
    const reply = http.getResponse<FastifyReply>();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const message = exception instanceof HttpException ? exception.message : 'internal error';
    const error =
      status === 404
        ? gatewayErrorFromHttpStatus(404, `Unknown request URL: ${req.method} ${url.split('?')[0]}.`)
        : gatewayErrorFromHttpStatus(status, message);
    const { status: mapped, body } = toOpenAiError(error);
    if (reply.sent) return;
    void reply
      .status(mapped)
      .header('content-type', 'application/json')
      .header('x-request-id', newRequestId())
      .send(JSON.stringify(body));
  }
}
