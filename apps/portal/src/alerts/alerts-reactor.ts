import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { request, type Agent } from 'undici';
import {
  alertsDecider,
  alertsStream,
  isAlertsStream,
  parseAlertsEvent,
  signatureHeader,
  webhookBackoffMs,
  type AlertsEvent,
} from '@tollgate/catalog';
import {
  formatPosition,
  handleCommand,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { formatCreditsTrimmed } from '@tollgate/money';
import { withTransaction } from '@tollgate/platform';
import type { SecretBox } from '../../../gateway/src/secrets/secret-box';
import type { AlertsReactorConfig } from './alerts-config';
import { literalTargetProblem, webhookDispatcher } from './webhook-target';

export const ALERTS_REACTOR_NAME = 'alerts';
const EVENTS_PER_BATCH = 500;
const BATCHES_PER_TICK = 20;
const WORKSPACES_PER_TICK = 200;
/** A receiver's answer is read up to this much, then dropped. */
const RESPONSE_BODY_LIMIT = 16 * 1024;
const ERROR_TEXT_LIMIT = 300;

/** The AES-GCM associated data binding a sealed webhook secret to its workspace. */
export function webhookSecretAad(workspaceId: string): string {
  return `alerts-webhook:${workspaceId}`;
}

export type AlertsLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface AlertsReactorDeps {
  pool: Pool;
  store: EventStore;
  secretBox: SecretBox;
  config: AlertsReactorConfig;
  log?: AlertsLog;
  now?: () => Date;
}

/** The JSON a receiver gets; `id` is the crossing event's id, the same on every retry. */
export function webhookBody(event: RecordedEvent, parsed: AlertsEvent): string | null {
  if (parsed.type !== 'LowBalanceThresholdCrossed' && parsed.type !== 'LowBalanceRecovered') return null;
  const d = parsed.data;
  return JSON.stringify({
    id: event.id,
    type: parsed.type === 'LowBalanceThresholdCrossed' ? 'balance.below_threshold' : 'balance.recovered',
    created: d.at,
    workspace_id: d.workspaceId,
    data: {
      threshold_nanocredits: d.thresholdNanocredits,
      threshold_credits: formatCreditsTrimmed(BigInt(d.thresholdNanocredits)),
      balance_nanocredits: d.balanceNanocredits,
      balance_credits: formatCreditsTrimmed(BigInt(d.balanceNanocredits)),
    },
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal.aborted) return ok();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      ok();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const errorText = (err: unknown): string =>
  (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, ERROR_TEXT_LIMIT);

/**
 * Low-balance alerts in the background, off every request path (the gateway never waits for it):
 * 1. follows `$all` from its own checkpoint and keeps `alert_settings` (thresholds, webhook, crossed
 *    thresholds for the banner) and queues one webhook delivery per crossing event (keyed by event id);
 * 2. watches the `balances` read model of workspaces with thresholds and, when a balance moved, asks
 *    the alerts decider (which records each crossing once);
 * 3. sends due deliveries, signed, with bounded attempts, a timeout per attempt and jittered
 *    exponential backoff, recording every attempt.
 * Every step is idempotent, so two processes running it at once do no harm (deliveries are claimed).
 */
export class AlertsReactor {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly log: AlertsLog;
  private readonly now: () => Date;
  private readonly dispatcher: Agent;

  constructor(private readonly deps: AlertsReactorDeps) {
    this.dispatcher = webhookDispatcher(deps.config.allowNonPublicTargets, deps.config.attemptTimeoutMs);
    this.log = deps.log ?? ((level, m) => (level === 'error' ? console.error : console.log)(`[alerts] ${m}`));
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.dispatcher.destroy().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        if (this.abort.signal.aborted) break;
        this.log('warn', `tick failed, retrying: ${errorText(err)}`);
      }
      // A tick that stopped at its bounds left work behind: go on without waiting (catching up).
      if (!busy) await sleep(this.deps.config.pollMs, this.abort.signal);
    }
  }

  /** One pass of all three steps (tests call it directly); true when a step stopped at its bound. */
  async tick(): Promise<boolean> {
    const moreEvents = await this.followEvents();
    const moreBalances = await this.watchBalances();
    const deliveries = await this.deliverDue();
    return moreEvents || moreBalances || deliveries >= this.deps.config.deliveriesPerTick;
  }

  // ── 1. events → settings and queued deliveries ──────────────────────────

  async checkpoint(): Promise<GlobalPosition> {
    const { rows } = await this.deps.pool.query<{ position: string }>(
      'SELECT position FROM alert_reactor_checkpoints WHERE name = $1',
      [ALERTS_REACTOR_NAME],
    );
    return rows[0] ? parsePosition(rows[0].position) : START;
  }

  /** Applies new events from the checkpoint on; true when it stopped at its bound with more to read. */
  async followEvents(): Promise<boolean> {
    let after = await this.checkpoint();
    for (let batch = 0; batch < BATCHES_PER_TICK && !this.abort.signal.aborted; batch++) {
      const events = await this.deps.store.readAll({ after, maxCount: EVENTS_PER_BATCH });
      if (events.length === 0) return false;
      after = events[events.length - 1].position;
      const upTo = after;
      await withTransaction(this.deps.pool, async (client) => {
        for (const e of events) if (isAlertsStream(e.streamId)) await this.apply(client, e);
        await client.query(
          `INSERT INTO alert_reactor_checkpoints (name, position) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
          [ALERTS_REACTOR_NAME, formatPosition(upTo)],
        );
      });
      if (events.length < EVENTS_PER_BATCH) return false;
    }
    return true;
  }

  private async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const parsed = parseAlertsEvent(recorded.type, recorded.data);
    if (!parsed) return;
    const at = recorded.recordedAt;
    switch (parsed.type) {
      case 'LowBalanceAlertsSet': {
        const d = parsed.data;
        await client.query(
          `INSERT INTO alert_settings (workspace_id, thresholds_nanocredits, webhook_url, updated_at)
           VALUES ($1, $2::numeric[], $3, $4)
           ON CONFLICT (workspace_id) DO UPDATE SET
             thresholds_nanocredits = excluded.thresholds_nanocredits,
             webhook_url = excluded.webhook_url,
             below_nanocredits = ARRAY(SELECT unnest(alert_settings.below_nanocredits)
                                       INTERSECT SELECT unnest(excluded.thresholds_nanocredits)),
             observed_position = NULL,
             updated_at = excluded.updated_at`,
          [d.workspaceId, d.thresholdsNanocredits, d.webhookUrl, at],
        );
        return;
      }
      case 'AlertWebhookSecretRotated': {
        const d = parsed.data;
        await client.query(
          `INSERT INTO alert_settings (workspace_id, secret_sealed, secret_hint, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (workspace_id) DO UPDATE SET secret_sealed = excluded.secret_sealed,
             secret_hint = excluded.secret_hint, updated_at = excluded.updated_at`,
          [d.workspaceId, d.secretSealed, d.secretHint, at],
        );
        return;
      }
      case 'LowBalanceThresholdCrossed':
      case 'LowBalanceRecovered': {
        const d = parsed.data;
        const crossed = parsed.type === 'LowBalanceThresholdCrossed';
        await client.query(
          crossed
            ? `UPDATE alert_settings SET updated_at = $3, below_nanocredits = CASE
                 WHEN $2::numeric = ANY (below_nanocredits) THEN below_nanocredits
                 ELSE array_append(below_nanocredits, $2::numeric) END
               WHERE workspace_id = $1`
            : `UPDATE alert_settings SET updated_at = $3, below_nanocredits = array_remove(below_nanocredits, $2::numeric)
               WHERE workspace_id = $1`,
          [d.workspaceId, d.thresholdNanocredits, at],
        );
        // The URL configured when it happened gets the delivery; none configured, none queued.
        await client.query(
          `INSERT INTO alert_deliveries (delivery_id, workspace_id, event_type, url, body, status, next_attempt_at, created_at)
           SELECT $1, workspace_id, $2, webhook_url, $3, 'pending', $4, $4
             FROM alert_settings WHERE workspace_id = $5 AND webhook_url IS NOT NULL
           ON CONFLICT (delivery_id) DO NOTHING`,
          [recorded.id, parsed.type, webhookBody(recorded, parsed), at, d.workspaceId],
        );
        return;
      }
      default: {
        const never: never = parsed;
        throw new Error(`unhandled alerts event ${JSON.stringify(never)}`);
      }
    }
  }

  // ── 2. balances → crossings ─────────────────────────────────────────────

  /** Observes moved balances; true when there were more than one tick takes. */
  async watchBalances(): Promise<boolean> {
    let rows: { workspace_id: string; posted: string; last_position: string; observed: string | null }[];
    try {
      ({ rows } = await this.deps.pool.query(
        `SELECT s.workspace_id, b.posted_nanocredits::text AS posted, b.last_position, s.observed_position AS observed
           FROM alert_settings s JOIN balances b ON b.account_id = s.workspace_id
          WHERE cardinality(s.thresholds_nanocredits) > 0
            AND b.last_position IS DISTINCT FROM s.observed_position
          ORDER BY s.workspace_id LIMIT $1`,
        [WORKSPACES_PER_TICK],
      ));
    } catch (err) {
      // No ledger read models in this database (a portal-only test app): nothing to watch.
      if ((err as { code?: string }).code === '42P01') return false;
      throw err;
    }
    for (const r of rows) {
      if (this.abort.signal.aborted) return false;
      await handleCommand({
        store: this.deps.store,
        streamId: alertsStream(r.workspace_id),
        decider: alertsDecider,
        parse: (e) => parseAlertsEvent(e.type, e.data) as AlertsEvent,
        command: {
          type: 'ObserveBalance',
          workspaceId: r.workspace_id,
          balanceNanocredits: BigInt(r.posted),
          observedPosition: r.last_position,
          now: this.now(),
        },
        metadata: { actor: 'reactor:alerts', correlationId: randomUUID() },
      });
      // Only if no settings change reset it meanwhile (that asks for a fresh look).
      await this.deps.pool.query(
        `UPDATE alert_settings SET observed_position = $2
          WHERE workspace_id = $1 AND observed_position IS NOT DISTINCT FROM $3`,
        [r.workspace_id, r.last_position, r.observed],
      );
    }
    return rows.length === WORKSPACES_PER_TICK;
  }

  // ── 3. deliveries ───────────────────────────────────────────────────────

  async deliverDue(): Promise<number> {
    const { config } = this.deps;
    const now = this.now();
    // Claimed for longer than one attempt can take, so another process leaves them alone meanwhile.
    const claimUntil = new Date(now.getTime() + config.attemptTimeoutMs + 5_000);
    const { rows } = await this.deps.pool.query<{
      delivery_id: string;
      workspace_id: string;
      url: string;
      body: string;
      attempts: number;
    }>(
      `UPDATE alert_deliveries d SET next_attempt_at = $3
        WHERE d.delivery_id IN (
          SELECT delivery_id FROM alert_deliveries
           WHERE status = 'pending' AND next_attempt_at <= $2
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING d.delivery_id, d.workspace_id, d.url, d.body, d.attempts`,
      [config.deliveriesPerTick, now, claimUntil],
    );
    await Promise.all(rows.map((r) => this.attempt(r)));
    return rows.length;
  }

  private async attempt(d: {
    delivery_id: string;
    workspace_id: string;
    url: string;
    body: string;
    attempts: number;
  }): Promise<void> {
    const { config, pool, secretBox } = this.deps;
    const attempt = d.attempts + 1;
    const started = this.now();
    const t0 = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    // One controller per attempt: aborted by its timeout or by the reactor stopping.
    const cut = new AbortController();
    const onStop = (): void => cut.abort(new Error('reactor stopping'));
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(
      () => cut.abort(new Error(`timed out after ${config.attemptTimeoutMs} ms`)),
      config.attemptTimeoutMs,
    );
    try {
      const { rows } = await pool.query<{ secret_sealed: string | null }>(
        'SELECT secret_sealed FROM alert_settings WHERE workspace_id = $1',
        [d.workspace_id],
      );
      const sealed = rows[0]?.secret_sealed;
      if (!sealed) throw new Error('no signing secret: create one on the alerts page');
      const refused = literalTargetProblem(d.url, config.allowNonPublicTargets);
      if (refused) throw new Error(refused);
      const secret = secretBox.open(sealed, webhookSecretAad(d.workspace_id));
      const timestamp = Math.floor(started.getTime() / 1000);
      const res = await request(d.url, {
        method: 'POST',
        body: d.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tollgate-Webhooks/1',
          'tollgate-event-id': d.delivery_id,
          'tollgate-signature': signatureHeader(secret, timestamp, d.body),
        },
        headersTimeout: config.attemptTimeoutMs,
        bodyTimeout: config.attemptTimeoutMs,
        signal: cut.signal,
        dispatcher: this.dispatcher,
      });
      statusCode = res.statusCode;
      await res.body.dump({ limit: RESPONSE_BODY_LIMIT }).catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = errorText(cut.signal.aborted ? cut.signal.reason : err);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onStop);
    }
    const durationMs = Math.round(performance.now() - t0);
    const outcome = error === null ? 'delivered' : attempt >= config.maxAttempts ? 'failed' : 'retry';
    const finishedAt = this.now();
    const next =
      outcome === 'retry' ? new Date(finishedAt.getTime() + webhookBackoffMs(attempt, config.backoff)) : null;
    await withTransaction(pool, async (client) => {
      await client.query(
        `INSERT INTO alert_delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [d.delivery_id, attempt, started, durationMs, statusCode, error, outcome],
      );
      await client.query(
        `UPDATE alert_deliveries SET attempts = $2, status = $3, next_attempt_at = $4, finished_at = $5
          WHERE delivery_id = $1`,
        [
          d.delivery_id,
          attempt,
          outcome === 'retry' ? 'pending' : outcome,
          next,
          outcome === 'retry' ? null : finishedAt,
        ],
      );
    });
    if (outcome === 'failed')
      this.log('warn', `webhook ${d.delivery_id} to ${d.url} failed after ${attempt} attempts: ${error}`);
  }
}
