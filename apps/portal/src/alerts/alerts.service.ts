import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import {
  alertsDecider,
  alertsStream,
  parseAlertsEvent,
  type AlertsEvent,
  type AlertsState,
} from '@tollgate/catalog';
import { DomainError, handleCommand, type EventStore } from '@tollgate/event-store';
import type { SecretBox } from '../../../gateway/src/secrets/secret-box';
import { webhookSecretAad } from './alerts-reactor';

const DELIVERIES_LISTED = 20;
const ATTEMPTS_PER_DELIVERY_LISTED = 20;
/** A stream with more events than this is not folded for a page (crossings are few; this is a guard). */
const MAX_STREAM_EVENTS = 10_000;

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'failed';
}

export interface DeliveryView {
  deliveryId: string;
  eventType: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  attemptList: DeliveryAttemptView[];
}

export interface LowBalanceBanner {
  /** The lowest threshold the balance is below (the most urgent one). */
  thresholdNanocredits: bigint;
}

const parse = (e: { type: string; data: unknown }): AlertsEvent => {
  const parsed = parseAlertsEvent(e.type, e.data);
  if (!parsed) throw new Error(`unexpected event ${e.type} in an alerts stream`);
  return parsed;
};

/** New signing secret: 32 random bytes, url-safe, with a recognisable prefix (shown once). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Writes (through the alerts decider) and reads for the alerts page and the dashboard banner. */
export class AlertsService {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly secretBox: SecretBox,
  ) {}

  /** The workspace's alerts state, straight from its stream (so a page shows what was just saved). */
  async state(workspaceId: string): Promise<AlertsState> {
    const events = await this.store.readStream(alertsStream(workspaceId), { maxCount: MAX_STREAM_EVENTS });
    let state = alertsDecider.initialState();
    for (const e of events) state = alertsDecider.evolve(state, parse(e));
    return state;
  }

  /**
   * Saves thresholds and the webhook URL. A URL without a signing secret yet gets one: it is returned
   * here, once, and only its sealed form is kept.
   */
  async save(
    workspaceId: string,
    input: { thresholdsNanocredits: bigint[]; webhookUrl: string | null },
    actor: string,
  ): Promise<{ newSecret: string | null } | DomainError> {
    try {
      const result = await handleCommand({
        store: this.store,
        streamId: alertsStream(workspaceId),
        decider: alertsDecider,
        parse,
        command: { type: 'SetLowBalanceAlerts', workspaceId, ...input, actor, now: new Date() },
        metadata: { actor },
      });
      if (input.webhookUrl && !result.state.secretHint)
        return { newSecret: await this.rotateSecret(workspaceId, actor) };
      return { newSecret: null };
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
  }

  /** Replaces the signing secret; returns the plain secret (the only time it exists outside a receiver). */
  async rotateSecret(workspaceId: string, actor: string): Promise<string> {
    const secret = newWebhookSecret();
    await handleCommand({
      store: this.store,
      streamId: alertsStream(workspaceId),
      decider: alertsDecider,
      parse,
      command: {
        type: 'RotateAlertWebhookSecret',
        workspaceId,
        secretSealed: this.secretBox.seal(secret, webhookSecretAad(workspaceId)),
        secretHint: secret.slice(-4),
        actor,
        now: new Date(),
      },
      metadata: { actor },
    });
    return secret;
  }

  /** The newest deliveries with every attempt, newest first. */
  async deliveries(workspaceId: string, limit = DELIVERIES_LISTED): Promise<DeliveryView[]> {
    const { rows } = await this.pool.query(
      `SELECT delivery_id, event_type, url, status, attempts, next_attempt_at, created_at
         FROM alert_deliveries WHERE workspace_id = $1 ORDER BY created_at DESC, delivery_id LIMIT $2`,
      [workspaceId, Math.min(Math.max(1, limit), 100)],
    );
    if (rows.length === 0) return [];
    const { rows: attempts } = await this.pool.query(
      `SELECT delivery_id, attempt, started_at, duration_ms, status_code, error, outcome
         FROM alert_delivery_attempts WHERE delivery_id = ANY($1::uuid[]) AND attempt <= $2
        ORDER BY delivery_id, attempt`,
      [rows.map((r) => r.delivery_id), ATTEMPTS_PER_DELIVERY_LISTED],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      eventType: r.event_type,
      url: r.url,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      createdAt: r.created_at,
      attemptList: attempts
        .filter((a) => a.delivery_id === r.delivery_id)
        .map((a) => ({
          attempt: a.attempt,
          startedAt: a.started_at,
          durationMs: a.duration_ms,
          statusCode: a.status_code,
          error: a.error,
          outcome: a.outcome,
        })),
    }));
  }
}

/**
 * The dashboard banner: shown while the balance is below a threshold (as the alerts reactor last
 * recorded). Null without alerts, or where the alerts tables do not exist (a portal-only process).
 */
export async function lowBalanceBanner(pool: Pool, workspaceId: string): Promise<LowBalanceBanner | null> {
  try {
    const { rows } = await pool.query<{ lowest: string | null }>(
      `SELECT (SELECT min(t) FROM unnest(below_nanocredits) AS t)::text AS lowest
         FROM alert_settings WHERE workspace_id = $1`,
      [workspaceId],
    );
    const lowest = rows[0]?.lowest;
    return lowest ? { thresholdNanocredits: BigInt(lowest) } : null;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null;
    throw err;
  }
}
