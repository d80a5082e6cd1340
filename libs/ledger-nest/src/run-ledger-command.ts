import { EventMetadata, EventStore, handleCommand, RecordedEvent } from '@tollgate/event-store';
import {
  AccountCommand,
  accountDecider,
  AccountEvent,
  accountStream,
  AccountState,
  evolveAccount,
  initialAccountState,
  initialUsageState,
  ledgerError,
  MalformedEventError,
  parseAccountEvent,
  parseUsageEvent,
  UsageCommand,
  usageDecider,
  UsageEvent,
  usageStream,
  UsageState,
  evolveUsage,
} from '@tollgate/ledger';
import { LedgerCommandResult } from './commands';

/**
 * Attempts per command. Each attempt is read → decide → append; a ConcurrencyError re-runs it. Sized
 * for bursts of concurrent reservations on one hot account (every loser of a round retries against the
 * winner's revision); beyond it the command fails with the store's ConcurrencyError (HTTP 409, retryable).
 */
export const LEDGER_MAX_ATTEMPTS = 25;

/** Stored account events are validated (and upcast) on the way in; a foreign type is corrupt data. */
function parseAccountRecord(e: RecordedEvent): AccountEvent {
  const event = parseAccountEvent(e.type, e.data);
  if (!event) throw new MalformedEventError(e.type, `not an account event (in ${e.streamId})`);
  return event;
}

function parseUsageRecord(e: RecordedEvent): UsageEvent {
  const event = parseUsageEvent(e.type, e.data);
  if (!event) throw new MalformedEventError(e.type, `not a usage event (in ${e.streamId})`);
  return event;
}

export async function runAccountCommand(
  store: EventStore,
  command: AccountCommand,
  metadata: EventMetadata = {},
): Promise<LedgerCommandResult<AccountEvent> & { state: AccountState }> {
  const result = await handleCommand({
    store,
    streamId: accountStream(command.accountId),
    decider: accountDecider,
    command,
    parse: parseAccountRecord,
    maxAttempts: LEDGER_MAX_ATTEMPTS,
    metadata: { idempotencyKey: command.idempotencyKey, ...metadata },
  });
  return { events: result.events, nextExpectedRevision: result.nextExpectedRevision, state: result.state };
}

export async function runUsageCommand(
  store: EventStore,
  command: UsageCommand,
  metadata: EventMetadata = {},
): Promise<LedgerCommandResult<UsageEvent> & { state: UsageState }> {
  const result = await handleCommand({
    store,
    streamId: usageStream(command.accountId, command.leaseId),
    decider: usageDecider,
    command,
    parse: parseUsageRecord,
    maxAttempts: LEDGER_MAX_ATTEMPTS,
    metadata,
  });
  return { events: result.events, nextExpectedRevision: result.nextExpectedRevision, state: result.state };
}

/** Folds an account stream's validated events (read side of a handler, e.g. pre-checks). */
export async function loadAccountState(store: EventStore, accountId: string): Promise<AccountState> {
  let state = initialAccountState();
  for (const e of await store.readStream(accountStream(accountId)))
    state = evolveAccount(state, parseAccountRecord(e));
  return state;
}

export async function loadUsageState(
  store: EventStore,
  accountId: string,
  leaseId: string,
): Promise<UsageState> {
  let state = initialUsageState();
  for (const e of await store.readStream(usageStream(accountId, leaseId)))
    state = evolveUsage(state, parseUsageRecord(e));
  return state;
}

/**
 * Closes a lease's usage stream for `reason` and returns its final totals. Idempotent: when it is
 * already closed for the same reason, the totals recorded then are returned.
 */
export async function closeUsageStream(
  store: EventStore,
  input: {
    accountId: string;
    leaseId: string;
    reason: 'settled' | 'expired';
    idempotencyKey: string;
    now: string;
  },
  metadata: EventMetadata = {},
): Promise<{ spentNanocredits: bigint; usageCount: number }> {
  const { state } = await runUsageCommand(store, { type: 'CloseUsageStream', ...input }, metadata);
  if (!state.closed)
    throw ledgerError('USAGE_STREAM_CLOSED', `usage stream of lease ${input.leaseId} did not close`);
  return { spentNanocredits: state.closed.spentNanocredits, usageCount: state.closed.usageCount };
}

/** The open lease, or the DomainError a settle/expire would get (checked BEFORE closing usage). */
export async function openLeaseOrThrow(store: EventStore, accountId: string, leaseId: string) {
  const state = await loadAccountState(store, accountId);
  if (state.status !== 'open')
    throw ledgerError('ACCOUNT_NOT_FOUND', `account ${accountId} is not open`, { accountId });
  const lease = state.openLeases.get(leaseId);
  if (lease) return lease;
  const closed = state.closedLeases.get(leaseId);
  if (closed) return null; // already closed: the account decider decides replay vs LEASE_ALREADY_CLOSED
  throw ledgerError('LEASE_NOT_FOUND', `no open lease ${leaseId}`, { leaseId });
}
