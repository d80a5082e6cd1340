import type { AccountEvent } from './events';
import type { UsageEvent } from '../usage/events';

/**
 * Balance definitions, shared by the account decider and the read models. All amounts nanocredits.
 *
 *   credited    = Σ CreditsPurchased + Σ CreditsGranted + Σ positive CreditsAdjusted
 *   debited     = Σ CreditsRefunded + Σ |negative CreditsAdjusted|
 *   spent       = Σ spentNanocredits of settled and expired leases
 *   openLeases  = Σ amountNanocredits of leases neither settled nor expired
 *
 *   posted      = credited − debited − spent
 *   available   = posted − openLeases
 *
 * Invariant (enforced by the decider on every debit and reservation): available ≥ −overdraftLimit.
 *
 * Two views, same `available`:
 * - LEASE-HELD view (`accountBalanceDelta`, used by the decider): a lease's whole amount is held until
 *   it settles or expires; only then does its spend become posted. Conservative and needs only the
 *   account stream.
 * - LIVE view (`liveBalanceDelta`, for read models that also see usage streams): each UsageRecorded moves
 *   its price from the lease's hold to posted spend as it lands; at settlement/expiry only the released
 *   remainder leaves the hold. Because usage moves between `spent` and `openLeases`, `available` is
 *   identical in both views at every point; `posted` is simply more current in the live view. This
 *   holds because a usage stream is closed (UsageStreamClosed) before its lease settles, so the lease's
 *   spentNanocredits equals the Σ price of its usage stream.
 */
export interface BalanceTotals {
  creditedNanocredits: bigint;
  debitedNanocredits: bigint;
  spentNanocredits: bigint;
  openLeasesNanocredits: bigint;
}

export function zeroBalanceTotals(): BalanceTotals {
  return { creditedNanocredits: 0n, debitedNanocredits: 0n, spentNanocredits: 0n, openLeasesNanocredits: 0n };
}

export function postedNanocredits(t: BalanceTotals): bigint {
  return t.creditedNanocredits - t.debitedNanocredits - t.spentNanocredits;
}

export function availableNanocredits(t: BalanceTotals): bigint {
  return postedNanocredits(t) - t.openLeasesNanocredits;
}

/** True when taking `amount` more (debit or hold) keeps available ≥ −overdraftLimit. */
export function canTake(
  t: BalanceTotals,
  overdraftLimitNanocredits: bigint,
  amountNanocredits: bigint,
): boolean {
  return availableNanocredits(t) - amountNanocredits >= -overdraftLimitNanocredits;
}

export function addBalanceTotals(a: BalanceTotals, b: BalanceTotals): BalanceTotals {
  return {
    creditedNanocredits: a.creditedNanocredits + b.creditedNanocredits,
    debitedNanocredits: a.debitedNanocredits + b.debitedNanocredits,
    spentNanocredits: a.spentNanocredits + b.spentNanocredits,
    openLeasesNanocredits: a.openLeasesNanocredits + b.openLeasesNanocredits,
  };
}

/** Change to the totals caused by one account event, lease-held view. Needs no other state. */
export function accountBalanceDelta(event: AccountEvent): BalanceTotals {
  const d = zeroBalanceTotals();
  switch (event.type) {
    case 'AccountOpened':
    case 'OverdraftLimitChanged':
      return d;
    case 'CreditsPurchased':
    case 'CreditsGranted':
      d.creditedNanocredits = BigInt(event.data.amountNanocredits);
      return d;
    case 'CreditsRefunded':
      d.debitedNanocredits = BigInt(event.data.amountNanocredits);
      return d;
    case 'CreditsAdjusted': {
      const amount = BigInt(event.data.amountNanocredits);
      if (amount > 0n) d.creditedNanocredits = amount;
      else d.debitedNanocredits = -amount;
      return d;
    }
    case 'CreditLeaseReserved':
      d.openLeasesNanocredits = BigInt(event.data.amountNanocredits);
      return d;
    case 'CreditLeaseSettled':
    case 'CreditLeaseExpired': {
      const spent = BigInt(event.data.spentNanocredits);
      const released = BigInt(event.data.releasedNanocredits);
      d.spentNanocredits = spent;
      d.openLeasesNanocredits = -(spent + released); // spent + released = the lease amount
      return d;
    }
    default: {
      const never: never = event;
      throw new Error(`unhandled account event ${(never as { type: string }).type}`);
    }
  }
}

/** Change to the totals caused by one account or usage event, live view (see above). */
export function liveBalanceDelta(event: AccountEvent | UsageEvent): BalanceTotals {
  switch (event.type) {
    case 'UsageRecorded': {
      const price = BigInt(event.data.priceNanocredits);
      return { ...zeroBalanceTotals(), spentNanocredits: price, openLeasesNanocredits: -price };
    }
    case 'UsageStreamClosed':
      return zeroBalanceTotals();
    case 'CreditLeaseSettled':
    case 'CreditLeaseExpired':
      return { ...zeroBalanceTotals(), openLeasesNanocredits: -BigInt(event.data.releasedNanocredits) };
    default:
      return accountBalanceDelta(event);
  }
}
