import type { Pool } from 'pg';
import {
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { DomainError } from '@tollgate/event-store';
import type { CreditLedger } from '../ledger/credit-ledger';
import { parsePaymentEvent, PAYMENT_STREAM_PREFIX } from '../orders/events';
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
}
