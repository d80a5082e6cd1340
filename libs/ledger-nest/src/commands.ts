import { Command } from '@nestjs/cqrs';
import { EventMetadata } from '@tollgate/event-store';
import {
  AccountEvent,
  AdjustCredits,
  ChangeOverdraftLimit,
  CreditLeaseExpired,
  CreditLeaseSettled,
  GrantCredits,
  OpenAccount,
  PurchaseCredits,
  RecordUsageBatch,
  RefundCredits,
  ReserveLease,
  UsageRecorded,
} from '@tollgate/ledger';

/** What a ledger command returns: the events it appended (none for an idempotent replay). */
export interface LedgerCommandResult<TEvent = AccountEvent> {
  events: readonly TEvent[];
  nextExpectedRevision: bigint | 'no_stream';
}

type Payload<T> = Omit<T, 'type'>;

/** CommandBus messages; each wraps its domain command (minus `type`) plus envelope metadata. */
export class OpenAccountCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<OpenAccount>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class PurchaseCreditsCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<PurchaseCredits>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class GrantCreditsCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<GrantCredits>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class RefundCreditsCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<RefundCredits>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class AdjustCreditsCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<AdjustCredits>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class ChangeOverdraftLimitCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<ChangeOverdraftLimit>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class ReserveLeaseCommand extends Command<LedgerCommandResult> {
  constructor(
    readonly payload: Payload<ReserveLease>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

/** Outcome of closing a lease: the usage totals that became final and the account event (if new). */
export interface LeaseClosedResult<TEvent> extends LedgerCommandResult<TEvent> {
  spentNanocredits: bigint;
  usageCount: number;
}

/**
 * Settles a lease by its holder: closes the lease's usage stream (so its Σ price is final), then
 * appends CreditLeaseSettled with that spend. Spent is never taken from the caller.
 */
export class SettleLeaseCommand extends Command<
  LeaseClosedResult<{ type: 'CreditLeaseSettled'; data: CreditLeaseSettled }>
> {
  constructor(
    readonly payload: {
      accountId: string;
      leaseId: string;
      holder: string;
      idempotencyKey: string;
      now: string;
    },
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

/**
 * Expires a lease whose holder vanished: checks it is past its expiry, closes its usage stream (the
 * holder can record no more), then appends CreditLeaseExpired with the final spend.
 */
export class ExpireLeaseCommand extends Command<
  LeaseClosedResult<{ type: 'CreditLeaseExpired'; data: CreditLeaseExpired }>
> {
  constructor(
    readonly payload: { accountId: string; leaseId: string; idempotencyKey: string; now: string },
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}

export class RecordUsageBatchCommand extends Command<
  LedgerCommandResult<{ type: 'UsageRecorded'; data: UsageRecorded }>
> {
  constructor(
    readonly payload: Payload<RecordUsageBatch>,
    readonly metadata: EventMetadata = {},
  ) {
    super();
  }
}
