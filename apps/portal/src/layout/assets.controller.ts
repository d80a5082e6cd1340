import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PORTAL_CSS, PORTAL_CSS_PATH } from './portal.css';

@Controller()
export class PortalAssetsController {
  /** Linked with `?v=<content hash>`, so it can be cached for good. */
  @Get(PORTAL_CSS_PATH)
  css(@Res() reply: FastifyReply): void {
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(PORTAL_CSS);
  }
}
