import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EventStore } from '@tollgate/event-store';
import { CreditLeaseExpired, CreditLeaseSettled, UsageRecorded, ledgerError } from '@tollgate/ledger';
import {
  ExpireLeaseCommand,
  LeaseClosedResult,
  RecordUsageBatchCommand,
  SettleLeaseCommand,
} from '../commands';
import {
  closeUsageStream,
  openLeaseOrThrow,
  runAccountCommand,
  runUsageCommand,
} from '../run-ledger-command';
import { EVENT_STORE } from '../tokens';

@CommandHandler(RecordUsageBatchCommand)
export class RecordUsageBatchHandler implements ICommandHandler<RecordUsageBatchCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async execute(c: RecordUsageBatchCommand) {
    const { events, nextExpectedRevision } = await runUsageCommand(
      this.store,
      { type: 'RecordUsageBatch', ...c.payload },
      c.metadata,
    );
    return {
      events: events.filter(
        (e): e is { type: 'UsageRecorded'; data: UsageRecorded } => e.type === 'UsageRecorded',
      ),
      nextExpectedRevision,
    };
  }
}

/** Holder checks first (a wrong holder must not close someone's usage), then close usage, then settle. */
@CommandHandler(SettleLeaseCommand)
export class SettleLeaseHandler implements ICommandHandler<SettleLeaseCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async execute(
    c: SettleLeaseCommand,
  ): Promise<LeaseClosedResult<{ type: 'CreditLeaseSettled'; data: CreditLeaseSettled }>> {
    const { accountId, leaseId, holder, idempotencyKey, now } = c.payload;
    const lease = await openLeaseOrThrow(this.store, accountId, leaseId);
    if (lease && lease.holder !== holder)
      throw ledgerError('LEASE_HOLDER_MISMATCH', `lease ${leaseId} is held by another instance`, {
        leaseId,
        holder: lease.holder,
      });
    const usage = await closeUsageStream(
      this.store,
      { accountId, leaseId, reason: 'settled', idempotencyKey: `${idempotencyKey}:close-usage`, now },
      c.metadata,
    );
    const { events, nextExpectedRevision } = await runAccountCommand(
      this.store,
      { type: 'SettleLease', accountId, leaseId, holder, idempotencyKey, now, ...usage },
      c.metadata,
    );
    return {
      ...usage,
      events: events.filter((e) => e.type === 'CreditLeaseSettled'),
      nextExpectedRevision,
    };
  }
}

/** Expiry is checked before the usage stream is closed, so a live lease's usage is never cut off. */
@CommandHandler(ExpireLeaseCommand)
export class ExpireLeaseHandler implements ICommandHandler<ExpireLeaseCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async execute(
    c: ExpireLeaseCommand,
  ): Promise<LeaseClosedResult<{ type: 'CreditLeaseExpired'; data: CreditLeaseExpired }>> {
    const { accountId, leaseId, idempotencyKey, now } = c.payload;
    const lease = await openLeaseOrThrow(this.store, accountId, leaseId);
    if (lease && Date.parse(now) < lease.expiresAtMs)
      throw ledgerError('LEASE_NOT_EXPIRED', `lease ${leaseId} expires at ${lease.expiresAt}`, {
        leaseId,
        expiresAt: lease.expiresAt,
      });
    const usage = await closeUsageStream(
      this.store,
      { accountId, leaseId, reason: 'expired', idempotencyKey: `${idempotencyKey}:close-usage`, now },
      c.metadata,
    );
    const { events, nextExpectedRevision } = await runAccountCommand(
      this.store,
      { type: 'ExpireLease', accountId, leaseId, idempotencyKey, now, ...usage },
      c.metadata,
    );
    return {
      ...usage,
      events: events.filter((e) => e.type === 'CreditLeaseExpired'),
      nextExpectedRevision,
    };
  }
}
