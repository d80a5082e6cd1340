import { Decider, DomainError } from '@tollgate/event-store';
import { ledgerError } from '../errors';
import { validateCommand } from '../events/command-schema';
import { commandFingerprint, MAX_REMEMBERED_KEYS, rememberKey } from '../idempotency';
import {
  accountBalanceDelta,
  addBalanceTotals,
  availableNanocredits,
  BalanceTotals,
  canTake,
  zeroBalanceTotals,
} from './balance';
import {
  AccountCommand,
  AccountCommandSchema,
  AdjustCredits,
  ChangeOverdraftLimit,
  ExpireLease,
  GrantCredits,
  OpenAccount,
  PurchaseCredits,
  RefundCredits,
  ReserveLease,
  SettleLease,
} from './commands';
import { AccountEvent } from './events';

/** Open leases per account are bounded (one or a few per gateway instance is the norm). */
export const MAX_OPEN_LEASES = 1_000;
/** Closed leases remembered (for idempotent settle/expire replays); older ones are forgotten. */
export const MAX_REMEMBERED_CLOSED_LEASES = 10_000;

export interface PaymentRecord {
  orderId: string;
  purchasedNanocredits: bigint;
  refundedNanocredits: bigint;
  /** Magnitude already reversed by adjustments that name this payment id in `reverses`. */
  reversedNanocredits: bigint;
  fingerprint: string;
}

export interface EntryRecord {
  kind: 'grant' | 'adjustment';
  /** Signed amount of the entry. */
  amountNanocredits: bigint;
  /** Magnitude already reversed by later adjustments. */
  reversedNanocredits: bigint;
  fingerprint: string;
}

export interface OpenLease {
  holder: string;
  amountNanocredits: bigint;
  expiresAt: string;
  expiresAtMs: number;
  fingerprint: string;
}

export interface ClosedLease {
  outcome: 'settled' | 'expired';
  spentNanocredits: bigint;
  usageCount: number;
  reserveFingerprint: string;
}

export interface UnopenedAccountState {
  status: 'unopened';
}

export interface OpenAccountState {
  status: 'open';
  accountId: string;
  workspaceId: string;
  creditCurrency: string;
  overdraftLimitNanocredits: bigint;
  openFingerprint: string;
  totals: BalanceTotals;
  payments: Map<string, PaymentRecord>;
  /** refundId → fingerprint. */
  refunds: Map<string, string>;
  /** grantId / adjustmentId → entry. */
  entries: Map<string, EntryRecord>;
  openLeases: Map<string, OpenLease>;
  closedLeases: Map<string, ClosedLease>;
  /** Most recent idempotency keys → fingerprint (bounded, see idempotency.ts). */
  idempotencyKeys: Map<string, string>;
}

export type AccountState = UnopenedAccountState | OpenAccountState;

export function initialAccountState(): AccountState {
  return { status: 'unopened' };
}

const str = (v: bigint) => v.toString();

function balanceDetails(state: OpenAccountState): Record<string, string> {
  return {
    availableNanocredits: str(availableNanocredits(state.totals)),
    overdraftLimitNanocredits: str(state.overdraftLimitNanocredits),
  };
}

/**
 * Decides an account command. Order of checks: shape → account exists → idempotency key → rules.
 * `decide` never mutates `state`.
 */
export function decideAccount(
  command: AccountCommand,
  state: AccountState,
): readonly AccountEvent[] | DomainError {
  const invalid = validateCommand(AccountCommandSchema, command);
  if (invalid) return invalid;
  const fingerprint = commandFingerprint(command);

  if (state.status === 'unopened') {
    if (command.type !== 'OpenAccount')
      return ledgerError('ACCOUNT_NOT_FOUND', `account ${command.accountId} is not open`, {
        accountId: command.accountId,
      });
    return openAccount(command, fingerprint);
  }

  if (command.accountId !== state.accountId)
    return ledgerError(
      'INVALID_COMMAND',
      `command for account ${command.accountId} sent to ${state.accountId}`,
    );

  const seen = state.idempotencyKeys.get(command.idempotencyKey);
  if (seen !== undefined) {
    if (seen === fingerprint) return [];
    return ledgerError(
      'IDEMPOTENCY_CONFLICT',
      `idempotency key ${command.idempotencyKey} was already used with different data`,
      { idempotencyKey: command.idempotencyKey },
    );
  }

  switch (command.type) {
    case 'OpenAccount':
      return ledgerError('ACCOUNT_ALREADY_OPEN', `account ${command.accountId} is already open`, {
        accountId: command.accountId,
      });
    case 'PurchaseCredits':
      return purchaseCredits(command, state, fingerprint);
    case 'GrantCredits':
      return grantCredits(command, state, fingerprint);
    case 'RefundCredits':
      return refundCredits(command, state, fingerprint);
    case 'AdjustCredits':
      return adjustCredits(command, state, fingerprint);
    case 'ChangeOverdraftLimit':
      return changeOverdraftLimit(command, state, fingerprint);
    case 'ReserveLease':
      return reserveLease(command, state, fingerprint);
    case 'SettleLease':
      return settleLease(command, state, fingerprint);
    case 'ExpireLease':
      return expireLease(command, state, fingerprint);
    default: {
      const never: never = command;
      return ledgerError('INVALID_COMMAND', `unknown command ${(never as { type: string }).type}`);
    }
  }
}

function openAccount(c: OpenAccount, fingerprint: string): AccountEvent[] {
  return [
    {
      type: 'AccountOpened',
      data: {
        accountId: c.accountId,
        workspaceId: c.workspaceId,
        creditCurrency: c.creditCurrency,
        overdraftLimitNanocredits: str(c.overdraftLimitNanocredits),
        openedAt: c.now,
        idempotencyKey: c.idempotencyKey,
        fingerprint,
      },
    },
  ];
}

function purchaseCredits(c: PurchaseCredits, s: OpenAccountState, fingerprint: string) {
  const existing = s.payments.get(c.paymentId);
  if (existing) {
    if (existing.fingerprint === fingerprint) return [];
    return ledgerError('PAYMENT_ALREADY_CREDITED', `payment ${c.paymentId} was already credited`, {
      paymentId: c.paymentId,
    });
  }
  if (c.paidCurrency !== s.creditCurrency)
    return ledgerError(
      'CURRENCY_MISMATCH',
      `payment in ${c.paidCurrency} for an account selling credits in ${s.creditCurrency}`,
      { paidCurrency: c.paidCurrency, creditCurrency: s.creditCurrency },
    );
  const event: AccountEvent = {
    type: 'CreditsPurchased',
    data: {
      accountId: c.accountId,
      paymentId: c.paymentId,
      orderId: c.orderId,
      amountNanocredits: str(c.amountNanocredits),
      paidAmountMinor: str(c.paidAmountMinor),
      paidCurrency: c.paidCurrency,
      purchasedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

function entryExists(
  s: OpenAccountState,
  entryId: string,
  fingerprint: string,
): AccountEvent[] | DomainError | null {
  const existing = s.entries.get(entryId);
  if (!existing) return null;
  if (existing.fingerprint === fingerprint) return [];
  return ledgerError('ENTRY_ALREADY_EXISTS', `ledger entry ${entryId} already exists`, {
    entryId,
    kind: existing.kind,
  });
}

function grantCredits(c: GrantCredits, s: OpenAccountState, fingerprint: string) {
  const dup = entryExists(s, c.grantId, fingerprint);
  if (dup) return dup;
  const event: AccountEvent = {
    type: 'CreditsGranted',
    data: {
      accountId: c.accountId,
      grantId: c.grantId,
      amountNanocredits: str(c.amountNanocredits),
      kind: c.kind,
      reason: c.reason,
      actor: c.actor,
      grantedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

/**
 * A refund gives back money for credits not yet consumed. It may take at most what this payment
 * bought minus what was already refunded or reversed, AND at most the currently available balance
 * (credits already spent or held by open leases were consumed; the overdraft is for usage, never
 * for paying money out).
 */
function refundCredits(c: RefundCredits, s: OpenAccountState, fingerprint: string) {
  const existing = s.refunds.get(c.refundId);
  if (existing !== undefined) {
    if (existing === fingerprint) return [];
    return ledgerError('ENTRY_ALREADY_EXISTS', `refund ${c.refundId} already exists`, {
      entryId: c.refundId,
      kind: 'refund',
    });
  }
  const payment = s.payments.get(c.paymentId);
  if (!payment)
    return ledgerError('PAYMENT_NOT_FOUND', `payment ${c.paymentId} never credited this account`, {
      paymentId: c.paymentId,
    });
  const refundable = payment.purchasedNanocredits - payment.refundedNanocredits - payment.reversedNanocredits;
  if (c.amountNanocredits > refundable)
    return ledgerError('REFUND_EXCEEDS_PURCHASE', `refund exceeds what payment ${c.paymentId} has left`, {
      paymentId: c.paymentId,
      refundableNanocredits: str(refundable),
      requestedNanocredits: str(c.amountNanocredits),
    });
  const available = availableNanocredits(s.totals);
  if (c.amountNanocredits > available)
    return ledgerError('REFUND_EXCEEDS_AVAILABLE', 'refund exceeds the unconsumed (available) credits', {
      ...balanceDetails(s),
      requestedNanocredits: str(c.amountNanocredits),
    });
  const event: AccountEvent = {
    type: 'CreditsRefunded',
    data: {
      accountId: c.accountId,
      refundId: c.refundId,
      paymentId: c.paymentId,
      amountNanocredits: str(c.amountNanocredits),
      reason: c.reason,
      actor: c.actor,
      refundedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

/**
 * Adjustments are new entries, never edits. A reversal names the entry it reverses (grant,
 * adjustment, or purchase by payment id), has the opposite sign and cannot reverse more than is left.
 * A debit (negative amount) must keep available ≥ −overdraft.
 */
function adjustCredits(c: AdjustCredits, s: OpenAccountState, fingerprint: string) {
  const dup = entryExists(s, c.adjustmentId, fingerprint);
  if (dup) return dup;
  if (c.reverses !== undefined) {
    const entry = s.entries.get(c.reverses);
    const payment = entry ? undefined : s.payments.get(c.reverses);
    if (!entry && !payment)
      return ledgerError('ENTRY_NOT_FOUND', `no entry ${c.reverses} to reverse`, { entryId: c.reverses });
    const original = entry ? entry.amountNanocredits : payment!.purchasedNanocredits;
    const left = entry
      ? abs(entry.amountNanocredits) - entry.reversedNanocredits
      : payment!.purchasedNanocredits - payment!.refundedNanocredits - payment!.reversedNanocredits;
    if (original > 0n === c.amountNanocredits > 0n || abs(c.amountNanocredits) > left)
      return ledgerError(
        'REVERSAL_EXCEEDS_ENTRY',
        `a reversal of ${c.reverses} must have the opposite sign and at most the unreversed amount`,
        { entryId: c.reverses, originalNanocredits: str(original), reversibleNanocredits: str(left) },
      );
  }
  if (c.amountNanocredits < 0n && !canTake(s.totals, s.overdraftLimitNanocredits, -c.amountNanocredits))
    return ledgerError(
      'INSUFFICIENT_CREDITS',
      'adjustment would exceed the available credits plus overdraft',
      {
        ...balanceDetails(s),
        requestedNanocredits: str(-c.amountNanocredits),
      },
    );
  const event: AccountEvent = {
    type: 'CreditsAdjusted',
    data: {
      accountId: c.accountId,
      adjustmentId: c.adjustmentId,
      amountNanocredits: str(c.amountNanocredits),
      reasonCode: c.reasonCode,
      ...(c.reference !== undefined ? { reference: c.reference } : {}),
      ...(c.reverses !== undefined ? { reverses: c.reverses } : {}),
      actor: c.actor,
      adjustedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

/** Lowering the overdraft below what is already used would break the invariant: refused. */
function changeOverdraftLimit(c: ChangeOverdraftLimit, s: OpenAccountState, fingerprint: string) {
  if (availableNanocredits(s.totals) < -c.overdraftLimitNanocredits)
    return ledgerError('OVERDRAFT_IN_USE', 'the account already uses more overdraft than the new limit', {
      ...balanceDetails(s),
      requestedOverdraftLimitNanocredits: str(c.overdraftLimitNanocredits),
    });
  const event: AccountEvent = {
    type: 'OverdraftLimitChanged',
    data: {
      accountId: c.accountId,
      overdraftLimitNanocredits: str(c.overdraftLimitNanocredits),
      previousOverdraftLimitNanocredits: str(s.overdraftLimitNanocredits),
      reason: c.reason,
      actor: c.actor,
      changedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

function reserveLease(c: ReserveLease, s: OpenAccountState, fingerprint: string) {
  const open = s.openLeases.get(c.leaseId);
  const closed = s.closedLeases.get(c.leaseId);
  const previous = open?.fingerprint ?? closed?.reserveFingerprint;
  if (previous !== undefined) {
    if (previous === fingerprint) return [];
    return ledgerError('LEASE_ALREADY_EXISTS', `lease ${c.leaseId} already exists`, { leaseId: c.leaseId });
  }
  if (s.openLeases.size >= MAX_OPEN_LEASES)
    return ledgerError('TOO_MANY_OPEN_LEASES', `account has ${MAX_OPEN_LEASES} open leases`, {
      maxOpenLeases: MAX_OPEN_LEASES,
    });
  if (!canTake(s.totals, s.overdraftLimitNanocredits, c.amountNanocredits))
    return ledgerError('INSUFFICIENT_CREDITS', 'not enough available credits for this lease', {
      ...balanceDetails(s),
      requestedNanocredits: str(c.amountNanocredits),
    });
  const event: AccountEvent = {
    type: 'CreditLeaseReserved',
    data: {
      accountId: c.accountId,
      leaseId: c.leaseId,
      holder: c.holder,
      amountNanocredits: str(c.amountNanocredits),
      expiresAt: new Date(Date.parse(c.now) + c.ttlMs).toISOString(),
      reservedAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

/** Shared checks for closing a lease; returns the open lease, [] for an identical replay, or an error. */
function closableLease(
  s: OpenAccountState,
  leaseId: string,
  outcome: ClosedLease['outcome'],
  spentNanocredits: bigint,
  usageCount: number,
): OpenLease | AccountEvent[] | DomainError {
  const closed = s.closedLeases.get(leaseId);
  if (closed) {
    if (
      closed.outcome === outcome &&
      closed.spentNanocredits === spentNanocredits &&
      closed.usageCount === usageCount
    )
      return [];
    return ledgerError('LEASE_ALREADY_CLOSED', `lease ${leaseId} was already ${closed.outcome}`, {
      leaseId,
      outcome: closed.outcome,
      spentNanocredits: str(closed.spentNanocredits),
    });
  }
  const lease = s.openLeases.get(leaseId);
  if (!lease) return ledgerError('LEASE_NOT_FOUND', `no open lease ${leaseId}`, { leaseId });
  if (spentNanocredits > lease.amountNanocredits)
    return ledgerError('SPENT_EXCEEDS_LEASE', `spent exceeds lease ${leaseId}`, {
      leaseId,
      leaseNanocredits: str(lease.amountNanocredits),
      spentNanocredits: str(spentNanocredits),
    });
  return lease;
}

function settleLease(c: SettleLease, s: OpenAccountState, fingerprint: string) {
  const lease = closableLease(s, c.leaseId, 'settled', c.spentNanocredits, c.usageCount);
  if (Array.isArray(lease) || lease instanceof DomainError) return lease;
  if (lease.holder !== c.holder)
    return ledgerError('LEASE_HOLDER_MISMATCH', `lease ${c.leaseId} is held by another instance`, {
      leaseId: c.leaseId,
      holder: lease.holder,
    });
  const event: AccountEvent = {
    type: 'CreditLeaseSettled',
    data: {
      accountId: c.accountId,
      leaseId: c.leaseId,
      spentNanocredits: str(c.spentNanocredits),
      releasedNanocredits: str(lease.amountNanocredits - c.spentNanocredits),
      usageCount: c.usageCount,
      settledAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

function expireLease(c: ExpireLease, s: OpenAccountState, fingerprint: string) {
  const lease = closableLease(s, c.leaseId, 'expired', c.spentNanocredits, c.usageCount);
  if (Array.isArray(lease) || lease instanceof DomainError) return lease;
  if (Date.parse(c.now) < lease.expiresAtMs)
    return ledgerError('LEASE_NOT_EXPIRED', `lease ${c.leaseId} expires at ${lease.expiresAt}`, {
      leaseId: c.leaseId,
      expiresAt: lease.expiresAt,
    });
  const event: AccountEvent = {
    type: 'CreditLeaseExpired',
    data: {
      accountId: c.accountId,
      leaseId: c.leaseId,
      spentNanocredits: str(c.spentNanocredits),
      releasedNanocredits: str(lease.amountNanocredits - c.spentNanocredits),
      usageCount: c.usageCount,
      expiredAt: c.now,
      idempotencyKey: c.idempotencyKey,
      fingerprint,
    },
  };
  return [event];
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/**
 * Applies one event. For O(1) folds over long streams, evolve UPDATES the open state it is given and
 * returns it: callers fold from `initialAccountState()` and must not reuse a state after passing it to
 * evolve. (The result depends only on the state and the event; decide never mutates.)
 */
export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'AccountOpened') {
    const d = event.data;
    const opened: OpenAccountState = {
      status: 'open',
      accountId: d.accountId,
      workspaceId: d.workspaceId,
      creditCurrency: d.creditCurrency,
      overdraftLimitNanocredits: BigInt(d.overdraftLimitNanocredits),
      openFingerprint: d.fingerprint,
      totals: zeroBalanceTotals(),
      payments: new Map(),
      refunds: new Map(),
      entries: new Map(),
      openLeases: new Map(),
      closedLeases: new Map(),
      idempotencyKeys: new Map(),
    };
    rememberKey(opened.idempotencyKeys, d.idempotencyKey, d.fingerprint);
    return opened;
  }
  if (state.status !== 'open') return state; // events before AccountOpened cannot happen; ignore defensively
  const s = state;
  s.totals = addBalanceTotals(s.totals, accountBalanceDelta(event));
  rememberKey(s.idempotencyKeys, event.data.idempotencyKey, event.data.fingerprint, MAX_REMEMBERED_KEYS);
  switch (event.type) {
    case 'CreditsPurchased': {
      const d = event.data;
      s.payments.set(d.paymentId, {
        orderId: d.orderId,
        purchasedNanocredits: BigInt(d.amountNanocredits),
        refundedNanocredits: 0n,
        reversedNanocredits: 0n,
        fingerprint: d.fingerprint,
      });
      return s;
    }
    case 'CreditsGranted':
      s.entries.set(event.data.grantId, {
        kind: 'grant',
        amountNanocredits: BigInt(event.data.amountNanocredits),
        reversedNanocredits: 0n,
        fingerprint: event.data.fingerprint,
      });
      return s;
    case 'CreditsRefunded': {
      const payment = s.payments.get(event.data.paymentId);
      if (payment) payment.refundedNanocredits += BigInt(event.data.amountNanocredits);
      s.refunds.set(event.data.refundId, event.data.fingerprint);
      return s;
    }
    case 'CreditsAdjusted': {
      const d = event.data;
      const amount = BigInt(d.amountNanocredits);
      s.entries.set(d.adjustmentId, {
        kind: 'adjustment',
        amountNanocredits: amount,
        reversedNanocredits: 0n,
        fingerprint: d.fingerprint,
      });
      if (d.reverses !== undefined) {
        const target = s.entries.get(d.reverses) ?? s.payments.get(d.reverses);
        if (target) target.reversedNanocredits += abs(amount);
      }
      return s;
    }
    case 'OverdraftLimitChanged':
      s.overdraftLimitNanocredits = BigInt(event.data.overdraftLimitNanocredits);
      return s;
    case 'CreditLeaseReserved': {
      const d = event.data;
      s.openLeases.set(d.leaseId, {
        holder: d.holder,
        amountNanocredits: BigInt(d.amountNanocredits),
        expiresAt: d.expiresAt,
        expiresAtMs: Date.parse(d.expiresAt),
        fingerprint: d.fingerprint,
      });
      return s;
    }
    case 'CreditLeaseSettled':
    case 'CreditLeaseExpired': {
      const d = event.data;
      const lease = s.openLeases.get(d.leaseId);
      s.openLeases.delete(d.leaseId);
      s.closedLeases.set(d.leaseId, {
        outcome: event.type === 'CreditLeaseSettled' ? 'settled' : 'expired',
        spentNanocredits: BigInt(d.spentNanocredits),
        usageCount: d.usageCount,
        reserveFingerprint: lease?.fingerprint ?? '',
      });
      while (s.closedLeases.size > MAX_REMEMBERED_CLOSED_LEASES) {
        const oldest = s.closedLeases.keys().next();
        if (oldest.done) break;
        s.closedLeases.delete(oldest.value);
      }
      return s;
    }
    default: {
      const never: never = event;
      throw new Error(`unhandled account event ${(never as { type: string }).type}`);
    }
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: initialAccountState,
};
