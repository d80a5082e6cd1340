import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_TOLERANCE_SECONDS, type WebhookRejection } from '../providers/checkout-provider';

export const SANDBOX_SIGNATURE_HEADER = 'tollgate-signature';

/** `t=<unix seconds>,v1=<hex hmac-sha256(secret, "t.body")>`: Stripe's scheme, our own secret. */
export function signSandboxPayload(payload: string, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export function verifySandboxSignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
  receivedAt: Date,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): { ok: true } | { ok: false; reason: WebhookRejection } {
  if (!header) return { ok: false, reason: 'MISSING_SIGNATURE' };
  if (header.length > 2000) return { ok: false, reason: 'BAD_SIGNATURE' };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',').slice(0, 20)) {
    const [k, v] = part.split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) signatures.push(v);
  }
  if (t === undefined || signatures.length === 0) return { ok: false, reason: 'BAD_SIGNATURE' };
  const expected = createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${t}.`), rawBody]))
    .digest();
  const match = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  if (!match) return { ok: false, reason: 'BAD_SIGNATURE' };
  const ageSeconds = Math.floor(receivedAt.getTime() / 1000) - t;
  if (Math.abs(ageSeconds) > toleranceSeconds) return { ok: false, reason: 'STALE_TIMESTAMP' };
  return { ok: true };
}
