import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export interface ReceiptRow {
  receiptId: string;
  provider: string;
  eventId: string | null;
  eventType: string | null;
  verified: boolean;
  verificationError: string | null;
  outcome: string | null;
  orderId: string | null;
  deliveries: number;
}

/** The audit trail: every delivery that reaches a webhook endpoint leaves a row here. */
export class WebhookReceipts {
  constructor(private readonly pool: Pool) {}

  static bodyDigest(rawBody: Buffer): string {
    return createHash('sha256').update(rawBody).digest('hex');
  }

  async recordRejected(input: {
    provider: string;
    claimedEventId: string | null;
    claimedType: string | null;
    error: string;
    rawBody: Buffer;
    at: Date;
  }): Promise<string> {
    const receiptId = randomUUID();
    await this.pool.query(
      `INSERT INTO webhook_receipts (receipt_id, provider, event_id, event_type, verified, verification_error,
         outcome, body_sha256, first_received_at, last_received_at)
       VALUES ($1, $2, $3, $4, false, $5, 'rejected', $6, $7, $7)`,
      [
        receiptId,
        input.provider,
        input.claimedEventId?.slice(0, 255) ?? null,
        input.claimedType?.slice(0, 255) ?? null,
        input.error.slice(0, 500),
        WebhookReceipts.bodyDigest(input.rawBody),
        input.at,
      ],
    );
    return receiptId;
  }

  /** One row per verified event id; a redelivery only bumps `deliveries`. */
  async recordVerified(input: {
    provider: string;
    eventId: string;
    eventType: string;
    rawBody: Buffer;
    at: Date;
  }): Promise<{ receiptId: string; firstDelivery: boolean; outcome: string | null }> {
    const { rows } = await this.pool.query<{ receipt_id: string; inserted: boolean; outcome: string | null }>(
      `INSERT INTO webhook_receipts (receipt_id, provider, event_id, event_type, verified, body_sha256,
         first_received_at, last_received_at)
       VALUES ($1, $2, $3, $4, true, $5, $6, $6)
       ON CONFLICT (provider, event_id) WHERE verified
       DO UPDATE SET deliveries = webhook_receipts.deliveries + 1, last_received_at = EXCLUDED.last_received_at
       RETURNING receipt_id, (xmax = 0) AS inserted, outcome`,
      [
        randomUUID(),
        input.provider,
        input.eventId,
        input.eventType,
        WebhookReceipts.bodyDigest(input.rawBody),
        input.at,
      ],
    );
    return { receiptId: rows[0].receipt_id, firstDelivery: rows[0].inserted, outcome: rows[0].outcome };
  }

  async setOutcome(
    receiptId: string,
    outcome: string,
    orderId: string | null,
    detail?: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_receipts
       SET outcome = $2, order_id = COALESCE($3, order_id), detail = $4
       WHERE receipt_id = $1 AND (outcome IS NULL OR (outcome = 'no_change' AND $2 <> 'no_change'))`,
      [receiptId, outcome, orderId, detail?.slice(0, 500) ?? null],
    );
  }

  async list(filter: { provider?: string; orderId?: string; limit: number }): Promise<ReceiptRow[]> {
    const limit = Math.min(Math.max(filter.limit, 1), 500);
    const { rows } = await this.pool.query(
      `SELECT receipt_id, provider, event_id, event_type, verified, verification_error, outcome, order_id, deliveries
       FROM webhook_receipts
       WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR order_id = $2)
       ORDER BY first_received_at DESC, receipt_id LIMIT $3`,
      [filter.provider ?? null, filter.orderId ?? null, limit],
    );
    return rows.map((r) => ({
      receiptId: r.receipt_id,
      provider: r.provider,
      eventId: r.event_id,
      eventType: r.event_type,
      verified: r.verified,
      verificationError: r.verification_error,
      outcome: r.outcome,
      orderId: r.order_id,
      deliveries: r.deliveries,
    }));
  }
}
