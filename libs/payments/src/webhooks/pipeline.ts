import type { Pool } from 'pg';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { handleCommand } from '../store/command-handler';
import type { PaymentCommand } from '../orders/commands';
import { paymentDecider, type OrderState } from '../orders/decider';
import { parsePaymentEvent, paymentStream, type PaymentEvent, type ProviderName } from '../orders/events';
import { parseEventEnvelope, type CheckoutProvider, type HeaderBag } from '../providers/checkout-provider';
import { mapWebhookEvent } from './event-mapping';
import { WebhookReceipts } from './receipts';

/** Larger bodies are refused before any parsing (Stripe events are a few KB). */
export const MAX_WEBHOOK_BODY_BYTES = 512 * 1024;

export type WebhookOutcome =
  | 'confirmed'
  | 'flagged_for_review'
  | 'expired'
  | 'failed'
  | 'no_change'
  | 'unknown_order'
  | 'ignored'
  | 'rejected_command';

export type WebhookResult =
  | { status: 200; body: { received: true; outcome: WebhookOutcome; eventId: string } }
  | { status: 400; body: { error: { code: string; message: string } } }
  | { status: 404; body: { error: { code: string; message: string } } };

export interface WebhookPipelineOptions {
  store: EventStore;
  pool: Pool;
  providers: readonly CheckoutProvider[];
  now?: () => Date;
  /** Called after a payment was confirmed (e.g. to wake the crediting reactor). */
  onConfirmed?: (orderId: string) => void;
}

/**
 * verify → record the receipt → map to an order command (idempotency key = provider event id) → the
 * order decider enforces state, amount and currency. A bad signature changes nothing but the audit
 * trail; redeliveries (also concurrent ones) are no-ops in the decider.
 */
export class WebhookPipeline {
  private readonly receipts: WebhookReceipts;
  private readonly providers: Map<string, CheckoutProvider>;
  private readonly now: () => Date;

  constructor(private readonly options: WebhookPipelineOptions) {
    this.receipts = new WebhookReceipts(options.pool);
    this.providers = new Map(options.providers.map((p) => [p.name, p]));
    this.now = options.now ?? (() => new Date());
  }

  hasProvider(name: string): boolean {
    return this.providers.has(name);
  }

  async handle(
    providerName: string,
    rawBody: Buffer | undefined,
    headers: HeaderBag,
  ): Promise<WebhookResult> {
    const provider = this.providers.get(providerName);
    if (!provider)
      return {
        status: 404,
        body: { error: { code: 'PROVIDER_DISABLED', message: `${providerName} is not enabled` } },
      };
    const receivedAt = this.now();
    const body = rawBody ?? Buffer.alloc(0);
    if (body.length === 0 || body.length > MAX_WEBHOOK_BODY_BYTES) {
      await this.receipts.recordRejected({
        provider: providerName,
        claimedEventId: null,
        claimedType: null,
        error: body.length === 0 ? 'EMPTY_BODY' : 'BODY_TOO_LARGE',
        rawBody: body,
        at: receivedAt,
      });
      return { status: 400, body: { error: { code: 'INVALID_BODY', message: 'missing or oversized body' } } };
    }
    const verification = provider.verifyWebhook(body, headers, receivedAt);
    if (!verification.ok) {
      const claimed = parseEventEnvelope(body);
      await this.receipts.recordRejected({
        provider: providerName,
        claimedEventId: claimed?.id ?? null,
        claimedType: claimed?.type ?? null,
        error: `${verification.reason}: ${verification.message}`,
        rawBody: body,
        at: receivedAt,
      });
      return {
        status: 400,
        body: { error: { code: verification.reason, message: 'webhook signature verification failed' } },
      };
    }
    const event = verification.event;
    const receipt = await this.receipts.recordVerified({
      provider: providerName,
      eventId: event.id,
      eventType: event.type,
      rawBody: body,
      at: receivedAt,
    });
    const { outcome, orderId, detail } = await this.apply(
      provider.name,
      event.id,
      mapWebhookEvent(event),
      receivedAt,
    );
    // The effective outcome is the one audited; a redelivery's "no_change" never overwrites "confirmed".
    await this.receipts.setOutcome(receipt.receiptId, outcome, orderId, detail);
    return { status: 200, body: { received: true, outcome, eventId: event.id } };
  }

  private async apply(
    provider: ProviderName,
    eventId: string,
    intent: ReturnType<typeof mapWebhookEvent>,
    now: Date,
  ): Promise<{ outcome: WebhookOutcome; orderId: string | null; detail?: string }> {
    const base = { idempotencyKey: eventId, now };
    let orderId: string | null;
    let command: PaymentCommand;
    switch (intent.kind) {
      case 'ignored':
        return { outcome: 'ignored', orderId: null };
      case 'confirm':
        orderId = intent.orderId;
        if (!orderId) return { outcome: 'unknown_order', orderId: null };
        command = {
          ...base,
          type: 'ConfirmPayment',
          orderId,
          provider,
          providerEventId: eventId,
          providerPaymentId: intent.providerPaymentId,
          // A missing amount can never match a positive order total: it is flagged, not credited.
          amountMinor: intent.amountMinor ?? -1n,
          currency: intent.currency,
          paid: intent.paid,
        };
        break;
      case 'expire':
        orderId = intent.orderId;
        if (!orderId) return { outcome: 'unknown_order', orderId: null };
        command = { ...base, type: 'ExpireCheckout', orderId, providerEventId: eventId };
        break;
      case 'fail':
        orderId = intent.orderId;
        if (!orderId) return { outcome: 'unknown_order', orderId: null };
        command = { ...base, type: 'FailPayment', orderId, providerEventId: eventId, reason: intent.reason };
        break;
      case 'refunds':
        orderId = intent.orderId ?? (await this.orderForPayment(provider, intent.providerPaymentId));
        if (!orderId) return { outcome: 'unknown_order', orderId: null };
        if (intent.amountRefundedTotalMinor === null) return { outcome: 'ignored', orderId };
        command = {
          ...base,
          type: 'ReconcileProviderRefunds',
          orderId,
          providerEventId: eventId,
          amountRefundedTotalMinor: intent.amountRefundedTotalMinor,
          currency: intent.currency,
        };
        break;
      default: {
        const never: never = intent;
        throw new Error(`unknown webhook intent ${JSON.stringify(never)}`);
      }
    }
    const result = await handleCommand<PaymentCommand, PaymentEvent, OrderState>({
      store: this.options.store,
      streamId: paymentStream(orderId),
      decider: paymentDecider,
      parse: parsePaymentEvent,
      command,
      metadata: { idempotencyKey: eventId, causationId: eventId, actor: `webhook:${provider}` },
    });
    if (result instanceof DomainError) {
      if (result.code === 'ORDER_NOT_FOUND') return { outcome: 'unknown_order', orderId };
      return { outcome: 'rejected_command', orderId, detail: `${result.code}: ${result.message}` };
    }
    const appended = result.appended;
    const confirmed = appended.find((e) => e.type === 'PaymentConfirmed');
    if (confirmed && confirmed.type === 'PaymentConfirmed') {
      await this.options.pool.query(
        `INSERT INTO payment_provider_refs (provider, provider_payment_id, order_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [provider, confirmed.data.providerPaymentId, orderId],
      );
      this.options.onConfirmed?.(orderId);
      return { outcome: 'confirmed', orderId };
    }
    const flagged = appended.find((e) => e.type === 'OrderFlaggedForReview');
    if (flagged && flagged.type === 'OrderFlaggedForReview')
      return { outcome: 'flagged_for_review', orderId, detail: flagged.data.reason };
    if (appended.some((e) => e.type === 'CheckoutExpired')) return { outcome: 'expired', orderId };
    if (appended.some((e) => e.type === 'PaymentFailed')) return { outcome: 'failed', orderId };
    return { outcome: 'no_change', orderId };
  }

  private async orderForPayment(provider: string, providerPaymentId: string | null): Promise<string | null> {
    if (!providerPaymentId) return null;
    const { rows } = await this.options.pool.query<{ order_id: string }>(
      'SELECT order_id FROM payment_provider_refs WHERE provider = $1 AND provider_payment_id = $2',
      [provider, providerPaymentId],
    );
    return rows[0]?.order_id ?? null;
  }

  get auditTrail(): WebhookReceipts {
    return this.receipts;
  }
}
