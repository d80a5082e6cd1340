import { Controller, HttpCode, Inject, Param, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebhookPipeline } from '@tollgate/payments';
import { processMetrics } from '@tollgate/observability';
import { WEBHOOK_PIPELINE } from '../payments/payments.tokens';

function countDelivery(provider: string, result: string): void {
  processMetrics().webhookDeliveries.labels(provider, result).inc();
}

/**
 * Payment provider webhooks. Signatures are verified over the raw body, so the app must be created
 * with `rawBody: true`. Status codes: 200 for every verified event (also ignored or unknown ones, so the
 * provider stops retrying), 400 for a bad or missing signature, 404 for a provider that is not enabled.
 */
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(WEBHOOK_PIPELINE) private readonly pipeline: WebhookPipeline) {}

  @Post(':provider')
  @HttpCode(200)
  async receive(
    @Param('provider') provider: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const name = provider === 'stripe' || provider === 'sandbox' ? provider : '';
    let result: Awaited<ReturnType<WebhookPipeline['handle']>>;
    try {
      result = await this.pipeline.handle(name, request.rawBody, request.headers);
    } catch (err) {
      countDelivery(name || 'unknown', 'error');
      throw err;
    }
    // Verified deliveries by what they did (confirmed, no_change, ignored…); refusals by status.
    countDelivery(
      name || 'unknown',
      result.status === 200 ? result.body.outcome : result.status === 404 ? 'provider_disabled' : 'rejected',
    );
    await reply.status(result.status).header('cache-control', 'no-store').send(result.body);
  }
}
