import { EventMetadata, RecordedEvent } from '@tollgate/event-store';
import {
  AccountCommand,
  accountDecider,
  AccountEvent,
  AccountState,
  accountStream,
  ledgerError,
  MalformedEventError,
  OpenLease,
  parseAccountEvent,
  parseUsageEvent,
  UsageCommand,
  usageDecider,
  UsageEvent,
  UsageState,
  usageStream,
} from '@tollgate/ledger';
import { LedgerCommandResult } from './commands';
import { StreamCommandRunner, StreamSpec } from './stream-command-runner';

/**
 * Attempts per command against conflicts from OTHER processes (within one process commands on a
 * stream are serialized by the runner). Beyond it the store's ConcurrencyError surfaces (HTTP 409,
 * retryable).
 */
export const LEDGER_MAX_ATTEMPTS = 25;

/** Stored account events are validated (and upcast) on the way in; a foreign type is corrupt data. */
export function parseAccountRecord(e: RecordedEvent): AccountEvent {
  const event = parseAccountEvent(e.type, e.data);
  if (!event) throw new MalformedEventError(e.type, `not an account event (in ${e.streamId})`);
  return event;
}

export function parseUsageRecord(e: RecordedEvent): UsageEvent {
  const event = parseUsageEvent(e.type, e.data);
  if (!event) throw new MalformedEventError(e.type, `not a usage event (in ${e.streamId})`);
  return event;
}

export function accountStreamSpec(accountId: string): StreamSpec<AccountCommand, AccountEvent, AccountState> {
  return { streamId: accountStream(accountId), decider: accountDecider, parse: parseAccountRecord };
}

export function usageStreamSpec(
  accountId: string,
  leaseId: string,
): StreamSpec<UsageCommand, UsageEvent, UsageState> {
  return { streamId: usageStream(accountId, leaseId), decider: usageDecider, parse: parseUsageRecord };
}

export async function runAccountCommand(
  runner: StreamCommandRunner,
  command: AccountCommand,
  metadata: EventMetadata = {},
): Promise<LedgerCommandResult<AccountEvent>> {
  const { events, nextExpectedRevision } = await runner.run(accountStreamSpec(command.accountId), command, {
    idempotencyKey: command.idempotencyKey,
    ...metadata,
  });
  return { events, nextExpectedRevision };
}

export async function runUsageCommand(
  runner: StreamCommandRunner,
  command: UsageCommand,
  metadata: EventMetadata = {},
): Promise<LedgerCommandResult<UsageEvent> & { closed?: { spentNanocredits: bigint; usageCount: number } }> {
  const { events, nextExpectedRevision, state } = await runner.run(
    usageStreamSpec(command.accountId, command.leaseId),
    command,
    metadata,
  );
  const closed = state.closed && {
    spentNanocredits: state.closed.spentNanocredits,
    usageCount: state.closed.usageCount,
  };
  return { events, nextExpectedRevision, closed };
}

/**
 * Closes a lease's usage stream for `reason` and returns its final totals. Idempotent: when it is
 * already closed for the same reason, the totals recorded then are returned.
 */
export async function closeUsageStream(
  runner: StreamCommandRunner,
  input: {
    accountId: string;
    leaseId: string;
    reason: 'settled' | 'expired';
    idempotencyKey: string;
    now: string;
  },
  metadata: EventMetadata = {},
): Promise<{ spentNanocredits: bigint; usageCount: number }> {
  const { closed } = await runUsageCommand(runner, { type: 'CloseUsageStream', ...input }, metadata);
  if (!closed)
    throw ledgerError('USAGE_STREAM_CLOSED', `usage stream of lease ${input.leaseId} did not close`);
  return closed;
}

/** Final usage totals of an already closed usage stream, if it is closed. */
export function closedUsageTotals(runner: StreamCommandRunner, accountId: string, leaseId: string) {
  return runner.read(usageStreamSpec(accountId, leaseId), (s) =>
    s.closed ? { spentNanocredits: s.closed.spentNanocredits, usageCount: s.closed.usageCount } : undefined,
  );
}

/**
 * Looks a lease up before a settle/expire touches its usage stream: the open lease (a copy), `null`
 * when it is already closed (the account decider then decides replay vs LEASE_ALREADY_CLOSED), or
 * ACCOUNT_NOT_FOUND / LEASE_NOT_FOUND.
 */
export async function findLeaseForClosing(
  runner: StreamCommandRunner,
  accountId: string,
  leaseId: string,
): Promise<OpenLease | null> {
  const found = await runner.read(accountStreamSpec(accountId), (state) => {
    if (state.status !== 'open') return 'no-account' as const;
    const lease = state.openLeases.get(leaseId);
    if (lease) return { ...lease };
    return state.closedLeases.has(leaseId) ? null : ('no-lease' as const);
  });
  if (found === 'no-account')
    throw ledgerError('ACCOUNT_NOT_FOUND', `account ${accountId} is not open`, { accountId });
  if (found === 'no-lease') throw ledgerError('LEASE_NOT_FOUND', `no open lease ${leaseId}`, { leaseId });
  return found;
}
