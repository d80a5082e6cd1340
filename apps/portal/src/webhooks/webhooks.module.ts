import { Module } from '@nestjs/common';
import { SandboxCheckoutController } from './sandbox-checkout.controller';
import { WebhooksController } from './webhooks.controller';

/**
 * `/webhooks/stripe`, `/webhooks/sandbox` and the sandbox's hosted page. Import it beside
 * `PaymentsModule.forRoot(...)`, whose (global) providers it uses.
 */
@Module({ controllers: [WebhooksController, SandboxCheckoutController] })
export class WebhooksModule {}
