import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreditLeaseExpired, CreditLeaseSettled, ledgerError, UsageRecorded } from '@tollgate/ledger';
import {
  ExpireLeaseCommand,
  LeaseClosedResult,
  RecordUsageBatchCommand,
  SettleLeaseCommand,
} from '../commands';
import {
  closedUsageTotals,
  closeUsageStream,
  findLeaseForClosing,
  runAccountCommand,
  runUsageCommand,
} from '../run-ledger-command';
import { StreamCommandRunner } from '../stream-command-runner';

type Settled = { type: 'CreditLeaseSettled'; data: CreditLeaseSettled };
type Expired = { type: 'CreditLeaseExpired'; data: CreditLeaseExpired };

@CommandHandler(RecordUsageBatchCommand)
export class RecordUsageBatchHandler implements ICommandHandler<RecordUsageBatchCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  async execute(c: RecordUsageBatchCommand) {
    const { events, nextExpectedRevision } = await runUsageCommand(
      this.runner,
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

/**
 * Holder checked first (a wrong holder must not close someone's usage), then the usage stream is
 * closed (its Σ price becomes final), then CreditLeaseSettled is appended with exactly that spend.
 */
@CommandHandler(SettleLeaseCommand)
export class SettleLeaseHandler implements ICommandHandler<SettleLeaseCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  async execute(c: SettleLeaseCommand): Promise<LeaseClosedResult<Settled>> {
    const { accountId, leaseId, holder, idempotencyKey, now } = c.payload;
    const lease = await findLeaseForClosing(this.runner, accountId, leaseId);
    if (lease && lease.holder !== holder)
      throw ledgerError('LEASE_HOLDER_MISMATCH', `lease ${leaseId} is held by another instance`, {
        leaseId,
        holder: lease.holder,
      });
    const usage =
      (!lease && (await closedUsageTotals(this.runner, accountId, leaseId))) ||
      (await closeUsageStream(
        this.runner,
        { accountId, leaseId, reason: 'settled', idempotencyKey: `${idempotencyKey}:close-usage`, now },
        c.metadata,
      ));
    const { events, nextExpectedRevision } = await runAccountCommand(
      this.runner,
      { type: 'SettleLease', accountId, leaseId, holder, idempotencyKey, now, ...usage },
      c.metadata,
    );
    return {
      ...usage,
      events: events.filter((e): e is Settled => e.type === 'CreditLeaseSettled'),
      nextExpectedRevision,
    };
  }
}

/** Expiry is checked BEFORE the usage stream is closed, so a live lease's usage is never cut off. */
@CommandHandler(ExpireLeaseCommand)
export class ExpireLeaseHandler implements ICommandHandler<ExpireLeaseCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  async execute(c: ExpireLeaseCommand): Promise<LeaseClosedResult<Expired>> {
    const { accountId, leaseId, idempotencyKey, now } = c.payload;
    const lease = await findLeaseForClosing(this.runner, accountId, leaseId);
    if (lease && Date.parse(now) < lease.expiresAtMs)
      throw ledgerError('LEASE_NOT_EXPIRED', `lease ${leaseId} expires at ${lease.expiresAt}`, {
        leaseId,
        expiresAt: lease.expiresAt,
      });
    const usage =
      (!lease && (await closedUsageTotals(this.runner, accountId, leaseId))) ||
      (await closeUsageStream(
        this.runner,
        { accountId, leaseId, reason: 'expired', idempotencyKey: `${idempotencyKey}:close-usage`, now },
        c.metadata,
      ));
    const { events, nextExpectedRevision } = await runAccountCommand(
      this.runner,
      { type: 'ExpireLease', accountId, leaseId, idempotencyKey, now, ...usage },
      c.metadata,
    );
    return {
      ...usage,
      events: events.filter((e): e is Expired => e.type === 'CreditLeaseExpired'),
      nextExpectedRevision,
    };
  }
}
