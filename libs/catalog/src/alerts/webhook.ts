import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alert webhooks are signed the way Stripe signs its own: `Tollgate-Signature: t=<unix seconds>,v1=<hex>`
 * where v1 = HMAC-SHA256(secret, `${t}.${body}`). A receiver recomputes it over the raw body and
 * rejects old timestamps, so a captured delivery cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'tollgate-signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${webhookSignature(secret, timestampSeconds, body)}`;
}

/** True when `header` carries a v1 signature of `body` under `secret` made within the tolerance. */
export function verifySignatureHeader(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (header.length > 2000) return false;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2);
    if (k === 't' && /^[0-9]{1,12}$/.test(v ?? '')) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '')) v1.push(v);
  }
  if (t === null || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, t, body), 'hex');
  return v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}

export interface BackoffPolicy {
  /** Delay after the first failed attempt; doubles after each further failure. */
  baseMs: number;
  /** Cap on any one delay. */
  maxMs: number;
}

export const DEFAULT_WEBHOOK_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000 };

/**
 * Delay before attempt `failedAttempts + 1`: exponential (base · 2^(n−1), capped) with "equal
 * jitter" — half fixed, half random — so retries of many receivers spread out but never collapse to 0.
 */
export function webhookBackoffMs(
  failedAttempts: number,
  policy: BackoffPolicy = DEFAULT_WEBHOOK_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.min(failedAttempts, 30));
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
