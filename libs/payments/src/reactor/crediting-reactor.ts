import type { Pool } from 'pg';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { DomainError } from '@tollgate/event-store';
import type { CreditLedger } from '../ledger/credit-ledger';
import type { PaymentCommand } from '../orders/commands';
import { paymentDecider, type OrderState } from '../orders/decider';
import { parsePaymentEvent, PAYMENT_STREAM_PREFIX, paymentStream, type PaymentEvent } from '../orders/events';
import { handleCommand } from '../store/command-handler';
import { purchaseForConfirmedOrder } from './crediting';

export const CREDITING_REACTOR_NAME = 'payments-crediting';
/** Events read per batch, and batches per catch-up call (bounded work per call). */
export const REACTOR_BATCH_SIZE = 500;
export const MAX_BATCHES_PER_CATCH_UP = 1_000;

export type CreditingOutcome =
  | { kind: 'credited' | 'already_credited'; orderId: string }
  | { kind: 'rejected'; orderId: string; code: string };

/**
 * Order confirmed → CreditsPurchased. At-least-once over `$all` with its own checkpoint; the ledger
 * purchase is idempotent on the order id, so a redelivered event never credits twice.
 */
export class CreditingReactor {
  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly ledger: CreditLedger,
    private readonly onRejected: (outcome: CreditingOutcome, event: RecordedEvent) => void = () => {},
  ) {}

  async handle(event: RecordedEvent): Promise<CreditingOutcome | null> {
    if (!event.streamId.startsWith(PAYMENT_STREAM_PREFIX) || event.type !== 'PaymentConfirmed') return null;
    const parsed = parsePaymentEvent(event.type, event.data);
    if (!parsed || parsed.type !== 'PaymentConfirmed') return null;
    const purchase = purchaseForConfirmedOrder(parsed.data);
    const result = await this.ledger.purchase(purchase);
    if (result instanceof DomainError) {
      // Never skip money silently: the order is flagged (idempotently) so an admin sees it and can
      // retry the crediting once the cause (e.g. an account not yet opened) is fixed.
      const flagged = await handleCommand<PaymentCommand, PaymentEvent, OrderState>({
        store: this.store,
        streamId: paymentStream(purchase.orderId),
        decider: paymentDecider,
        parse: parsePaymentEvent,
        command: {
          type: 'FlagCreditingRejected',
          orderId: purchase.orderId,
          idempotencyKey: `crediting-rejected-${purchase.orderId}`,
          now: purchase.now,
          ledgerCode: result.code,
        },
        metadata: { causationId: event.id, actor: 'reactor:payments-crediting' },
      });
      if (flagged instanceof DomainError) throw flagged;
      const outcome: CreditingOutcome = { kind: 'rejected', orderId: purchase.orderId, code: result.code };
      this.onRejected(outcome, event);
      return outcome;
    }
    return { kind: result, orderId: purchase.orderId };
  }

  async checkpoint(): Promise<GlobalPosition> {
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position FROM payment_reactor_checkpoints WHERE name = $1',
      [CREDITING_REACTOR_NAME],
    );
    return rows[0] ? parsePosition(rows[0].position) : START;
  }

  /** Processes everything after the checkpoint; returns how many payment events it acted on. */
  async catchUp(): Promise<CreditingOutcome[]> {
    const outcomes: CreditingOutcome[] = [];
    let after = await this.checkpoint();
    for (let batch = 0; batch < MAX_BATCHES_PER_CATCH_UP; batch++) {
      const events = await this.store.readAll({ after, maxCount: REACTOR_BATCH_SIZE });
      if (events.length === 0) break;
      for (const e of events) {
        const outcome = await this.handle(e);
        if (outcome) outcomes.push(outcome);
      }
      after = events[events.length - 1].position;
      await this.pool.query(
        `INSERT INTO payment_reactor_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
        [CREDITING_REACTOR_NAME, formatPosition(after)],
      );
      if (events.length < REACTOR_BATCH_SIZE) break;
    }
    return outcomes;
  }

  /**
   * Catches up until the checkpoint has passed `position` (e.g. the last event of an order stream).
   * `$all` only shows an event once every older transaction has ended, so this may take a few polls.
   */
  async catchUpTo(
    position: GlobalPosition,
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<CreditingOutcome[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const outcomes: CreditingOutcome[] = [];
    for (;;) {
      outcomes.push(...(await this.catchUp()));
      if (comparePositions(await this.checkpoint(), position) >= 0) return outcomes;
      if (Date.now() > deadline)
        throw new Error(`crediting reactor did not reach ${formatPosition(position)} in time`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
    }
  }

  /** Catches up past the newest event of one order stream. */
  async catchUpToOrder(orderId: string, options: { timeoutMs?: number } = {}): Promise<CreditingOutcome[]> {
    const [last] = await this.store.readStream(paymentStream(orderId), {
      direction: 'backwards',
      maxCount: 1,
    });
    return last ? this.catchUpTo(last.position, options) : [];
  }
}
