import type { FastifyInstance } from 'fastify';

const WEBHOOK_PREFIX = '/webhooks/';
const WEBHOOK_CONTENT_TYPE = 'application/x-tollgate-webhook';
/** Providers send small events; anything larger is refused before it is read. */
const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Webhook bodies must reach the pipeline as raw bytes whatever their content type or syntax, so that a
 * malformed or mislabelled delivery is still verified, answered 400 and kept for audit rather than
 * rejected by the JSON parser before any of that happens.
 */
export function acceptRawWebhookBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && request.url.startsWith(WEBHOOK_PREFIX)) {
      request.headers['x-original-content-type'] = request.headers['content-type'] ?? '';
      request.headers['content-type'] = WEBHOOK_CONTENT_TYPE;
    }
  });
  fastify.addContentTypeParser(
    WEBHOOK_CONTENT_TYPE,
    { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BODY_BYTES },
    (request, body, done) => {
      (request as unknown as { rawBody: Buffer }).rawBody = body as Buffer;
      done(null, body);
    },
  );
}
