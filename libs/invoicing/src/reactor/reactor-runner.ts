import type { Pool } from 'pg';
import {
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import type { InvoicingReactor, ReactionOutcome } from './invoicing.reactor';

export const INVOICING_REACTOR_NAME = 'invoicing';
const BATCH_EVENTS = 500;
const MAX_BATCHES_PER_CATCH_UP = 1000;

export const INVOICING_REACTOR_DDL = `CREATE TABLE IF NOT EXISTS invoicing_reactor_checkpoints (
  name text PRIMARY KEY,
  position text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Drives the invoicing reactor over `$all` with its own checkpoint, saved after each batch. Delivery
 * is at-least-once (a crash replays the last batch); every reaction is idempotent. Errors stop the
 * catch-up before the failing event, so it is retried rather than skipped.
 */
export class InvoicingReactorRunner {
  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly reactor: InvoicingReactor,
    private readonly name = INVOICING_REACTOR_NAME,
  ) {}

  async migrate(): Promise<void> {
    await this.pool.query(INVOICING_REACTOR_DDL);
  }

  async checkpoint(): Promise<GlobalPosition> {
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position FROM invoicing_reactor_checkpoints WHERE name = $1',
      [this.name],
    );
    return rows[0] ? parsePosition(rows[0].position) : START;
  }

  async catchUp(): Promise<{ event: RecordedEvent; outcome: ReactionOutcome }[]> {
    const acted: { event: RecordedEvent; outcome: ReactionOutcome }[] = [];
    let after = await this.checkpoint();
    for (let batch = 0; batch < MAX_BATCHES_PER_CATCH_UP; batch++) {
      const events = await this.store.readAll({ after, maxCount: BATCH_EVENTS });
      if (events.length === 0) break;
      let done: GlobalPosition = after;
      try {
        for (const event of events) {
          const outcome = await this.reactor.handle(event);
          if (outcome.kind !== 'ignored') acted.push({ event, outcome });
          done = event.position;
        }
      } finally {
        if (done !== after) await this.save(done);
      }
      after = done;
      if (events.length < BATCH_EVENTS) break;
    }
    return acted;
  }

  private async save(position: GlobalPosition): Promise<void> {
    await this.pool.query(
      `INSERT INTO invoicing_reactor_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [this.name, formatPosition(position)],
    );
  }
}
