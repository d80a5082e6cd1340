import type { ProviderName } from '../orders/events';

/** Stripe's default and ours: a signed webhook older than this is refused (replay window). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface CheckoutSessionRequest {
  orderId: string;
  workspaceId: string;
  amountMinor: bigint;
  currency: string;
  productName: string;
  customerEmail?: string;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutSession {
  sessionId: string;
  url: string;
}

/** The provider-neutral shape of a verified webhook (Stripe's event envelope; the sandbox mimics it). */
export interface ProviderWebhookEvent {
  id: string;
  type: string;
  /** Unix seconds. */
  created: number;
  object: Record<string, unknown>;
}

export type WebhookRejection =
  'MISSING_SIGNATURE' | 'BAD_SIGNATURE' | 'STALE_TIMESTAMP' | 'MALFORMED_PAYLOAD';

export type WebhookVerification =
  { ok: true; event: ProviderWebhookEvent } | { ok: false; reason: WebhookRejection; message: string };

export interface ProviderRefundRequest {
  orderId: string;
  refundId: string;
  providerPaymentId: string;
  amountMinor: bigint;
  currency: string;
  /** The same key always yields the same refund at the provider. */
  idempotencyKey: string;
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** One port for every checkout provider (Stripe, the embedded sandbox). */
export interface CheckoutProvider {
  readonly name: Exclude<ProviderName, 'manual'>;
  createSession(request: CheckoutSessionRequest): Promise<CheckoutSession>;
  verifyWebhook(rawBody: Buffer, headers: HeaderBag, receivedAt: Date): WebhookVerification;
  refund(request: ProviderRefundRequest): Promise<{ providerRefundId: string }>;
}

export class ProviderError extends Error {
  readonly code = 'PROVIDER_ERROR';
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Parses the JSON envelope both providers use. */
export function parseEventEnvelope(rawBody: Buffer): ProviderWebhookEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const e = parsed as Record<string, unknown>;
  const data = e.data as Record<string, unknown> | undefined;
  if (typeof e.id !== 'string' || typeof e.type !== 'string' || !data || typeof data.object !== 'object')
    return null;
  if (e.id.length === 0 || e.id.length > 255 || e.type.length > 255) return null;
  return {
    id: e.id,
    type: e.type,
    created: typeof e.created === 'number' ? e.created : 0,
    object: data.object as Record<string, unknown>,
  };
}

/** Providers take integer minor units as JSON numbers; refuse anything a double cannot hold exactly. */
export function minorUnitsAsNumber(amountMinor: bigint): number {
  if (amountMinor < 0n || amountMinor > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProviderError('payments', `amount ${amountMinor} minor units is out of range for a provider`);
  return Number(amountMinor);
}
