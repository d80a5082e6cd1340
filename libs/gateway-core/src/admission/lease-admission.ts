import { randomUUID } from 'node:crypto';
import type { AdmissionTicket, CreditAdmission, UsageRecord } from './admission';

/** What the lease manager needs from the ledger (an adapter over the account and usage streams). */
export interface LeaseLedger {
  /** Appends CreditLeaseReserved; 'insufficient' when the account's available credits cannot cover it. */
  reserve(
    accountId: string,
    leaseId: string,
    amountNanocredits: bigint,
    ttlMs: number,
  ): Promise<'reserved' | 'insufficient'>;
  /** Appends UsageRecorded events (≤ maxBatch) to the lease's usage stream; idempotent per requestId. */
  recordUsage(
    accountId: string,
    leaseId: string,
    leaseAmountNanocredits: bigint,
    records: readonly UsageRecord[],
  ): Promise<void>;
  /** Closes the usage stream and settles the lease: spent is debited, the rest released. */
  settle(accountId: string, leaseId: string, spentNanocredits: bigint, usageCount: number): Promise<void>;
}

export interface LeaseAdmissionOptions {
  /** Gateway instance id (the lease holder). */
  holder: string;
  leaseTtlMs: number;
  /** A lease stops admitting this long before it expires, leaving time to flush and settle. */
  retireBeforeExpiryMs: number;
  minLeaseNanocredits: bigint;
  maxLeaseNanocredits: bigint;
  /** Usage records per append. */
  maxBatch: number;
  /** How long settled usage may wait for companions before it is appended. */
  flushDelayMs: number;
  /** Reservations tried per admission before answering "insufficient". */
  maxReserveTries: number;
  /** Requests per lease (its usage stream is bounded by the ledger). */
  maxUsagePerLease: number;
  now: () => number;
  onError: (message: string, err: unknown) => void;
}

export const DEFAULT_LEASE_ADMISSION: Omit<LeaseAdmissionOptions, 'holder' | 'now' | 'onError'> = {
  leaseTtlMs: 120_000,
  retireBeforeExpiryMs: 30_000,
  minLeaseNanocredits: 100_000_000n, // 0.1 credits
  maxLeaseNanocredits: 100_000_000_000n, // 100 credits
  // A batch is decided on the event loop in one go (~10 µs a record, so ≤ ~1 ms here), and every append
  // costs a round trip plus, for each `$all` reader (the catalog projection), a read and a checkpoint:
  // measured, 25 cost more CPU per request than 100 saved in pauses.
  maxBatch: 100,
  flushDelayMs: 100,
  maxReserveTries: 3,
  maxUsagePerLease: 5_000,
};

const CLOSE_SETTLE_ROUNDS = 5;

export interface LeaseAdmissionStats {
  /** False once `close` began (shutdown): nothing more is admitted. */
  accepting: boolean;
  /** Leases reserved and not yet settled. */
  openLeases: number;
  /** Σ amount of those leases. */
  leasedNanocredits: bigint;
  /** Usage records settled in memory, not yet appended. */
  pendingUsage: number;
  /** Admitted requests not yet settled. */
  inflight: number;
}

interface Lease {
  id: string;
  accountId: string;
  amount: bigint;
  /** Worst cases of admitted requests not yet settled. */
  held: bigint;
  /** Σ price of settled requests. */
  spent: bigint;
  inflight: number;
  usageCount: number;
  retireAtMs: number;
  retired: boolean;
  pending: UsageRecord[];
  flushing: Promise<void> | null;
  flushTimer: NodeJS.Timeout | null;
  settled: boolean;
  /** The settlement under way, shared by everyone who asks for it. */
  finishing: Promise<void> | null;
}

interface Ticket extends AdmissionTicket {
  lease: Lease;
}

/**
 * Credit admission from leases: one CreditLeaseReserved takes a slice of an account's available
 * credits; requests are then admitted against the slice in memory (no ledger I/O on the request path
 * while it lasts). Usage is appended in small batches after responses; a lease that is used up or
 * near expiry retires, and once its requests are settled its usage is flushed and the lease settled
 * (spent debited, the rest released). Leases are sized from the last lease's spend, bounded, and
 * shrink to exactly one request's worst case when the balance is low.
 */
export class LeaseAdmission implements CreditAdmission {
  private readonly active = new Map<string, Lease>();
  private readonly reserving = new Map<string, Promise<Lease | null>>();
  private readonly lastSpent = new Map<string, bigint>();
  private readonly open = new Set<Lease>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ledger: LeaseLedger,
    private readonly options: LeaseAdmissionOptions,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 1_000);
    this.sweeper.unref();
  }

  async admit(accountId: string, worstCaseNanocredits: bigint): Promise<AdmissionTicket | null> {
    if (this.closed) return null;
    for (let tries = 0; tries <= this.options.maxReserveTries; tries++) {
      const lease = this.usable(accountId, worstCaseNanocredits);
      if (lease) return this.take(lease, worstCaseNanocredits);
      if (tries === this.options.maxReserveTries) break;
      const pending = this.reserving.get(accountId);
      if (pending) {
        await pending;
        continue;
      }
      const reservation = this.reserve(accountId, worstCaseNanocredits);
      this.reserving.set(accountId, reservation);
      let fresh: Lease | null;
      try {
        fresh = await reservation;
      } finally {
        this.reserving.delete(accountId);
      }
      if (!fresh) return null;
    }
    return null;
  }

  settle(ticket: AdmissionTicket, usage: UsageRecord): void {
    const lease = (ticket as Ticket).lease;
    lease.held -= ticket.heldNanocredits;
    lease.inflight--;
    // The worst case bounds the price, but a provider may report more than we could foresee: charge
    // at most what the lease still has, so the account never goes below what it reserved.
    const room = lease.amount - lease.spent - lease.held;
    const price = usage.priceNanocredits <= room ? usage.priceNanocredits : room > 0n ? room : 0n;
    const record = price === usage.priceNanocredits ? usage : { ...usage, priceNanocredits: price };
    lease.spent += price;
    lease.usageCount++;
    lease.pending.push(record);
    this.scheduleFlush(lease);
  }

  /** Flushes all usage and settles every lease (shutdown). Requests still in flight are waited for, bounded. */
  async close(maxWaitMs = 10_000): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const deadline = this.options.now() + maxWaitMs;
    for (const lease of this.open) lease.retired = true;
    this.active.clear();
    while ([...this.open].some((l) => l.inflight > 0) && this.options.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 10));
    // A settlement that lost a race (e.g. a conflict on a busy account stream) is retried, bounded.
    for (let round = 0; round < CLOSE_SETTLE_ROUNDS && this.open.size > 0; round++) {
      if (round > 0) await new Promise((ok) => setTimeout(ok, 50 * round));
      await Promise.all([...this.open].map((l) => this.finishLease(l)));
    }
  }

  /** What this instance holds now (metrics, readiness); O(open leases), never on the request path. */
  stats(): LeaseAdmissionStats {
    let leasedNanocredits = 0n;
    let pendingUsage = 0;
    let inflight = 0;
    for (const lease of this.open) {
      leasedNanocredits += lease.amount;
      pendingUsage += lease.pending.length;
      inflight += lease.inflight;
    }
    return { accepting: !this.closed, openLeases: this.open.size, leasedNanocredits, pendingUsage, inflight };
  }

  /** Appends pending usage now (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.open].map((l) => this.flushLease(l)));
  }

  private usable(accountId: string, worstCase: bigint): Lease | null {
    const lease = this.active.get(accountId);
    if (!lease) return null;
    if (lease.retired || this.options.now() >= lease.retireAtMs) {
      this.retire(lease);
      return null;
    }
    if (
      lease.amount - lease.spent - lease.held >= worstCase &&
      lease.usageCount + lease.inflight < this.options.maxUsagePerLease
    )
      return lease;
    this.retire(lease);
    return null;
  }

  private take(lease: Lease, worstCase: bigint): Ticket {
    lease.held += worstCase;
    lease.inflight++;
    return { accountId: lease.accountId, leaseId: lease.id, heldNanocredits: worstCase, lease };
  }

  private async reserve(accountId: string, worstCase: bigint): Promise<Lease | null> {
    const { minLeaseNanocredits, maxLeaseNanocredits } = this.options;
    const recent = (this.lastSpent.get(accountId) ?? 0n) * 2n;
    let desired = recent > minLeaseNanocredits ? recent : minLeaseNanocredits;
    if (desired > maxLeaseNanocredits) desired = maxLeaseNanocredits;
    if (desired < worstCase) desired = worstCase;
    const sizes = desired === worstCase ? [worstCase] : [desired, worstCase];
    for (const amount of sizes) {
      const leaseId = `lease_${randomUUID()}`;
      const outcome = await this.ledger.reserve(accountId, leaseId, amount, this.options.leaseTtlMs);
      if (outcome === 'insufficient') continue;
      const lease: Lease = {
        id: leaseId,
        accountId,
        amount,
        held: 0n,
        spent: 0n,
        inflight: 0,
        usageCount: 0,
        retireAtMs: this.options.now() + this.options.leaseTtlMs - this.options.retireBeforeExpiryMs,
        retired: false,
        pending: [],
        flushing: null,
        flushTimer: null,
        settled: false,
        finishing: null,
      };
      this.open.add(lease);
      const previous = this.active.get(accountId);
      if (previous) this.retire(previous);
      this.active.set(accountId, lease);
      return lease;
    }
    return null;
  }

  private retire(lease: Lease): void {
    if (!lease.retired) {
      lease.retired = true;
      // What this lease was used for sizes the next one (known now, not only once it settles).
      this.lastSpent.set(lease.accountId, lease.spent + lease.held);
      if (this.active.get(lease.accountId) === lease) this.active.delete(lease.accountId);
    }
    if (lease.inflight === 0) void this.finishLease(lease);
  }

  private scheduleFlush(lease: Lease): void {
    if (lease.retired && lease.inflight === 0) {
      void this.finishLease(lease);
      return;
    }
    if (lease.pending.length >= this.options.maxBatch) {
      void this.flushLease(lease);
      return;
    }
    if (!lease.flushTimer) {
      lease.flushTimer = setTimeout(() => {
        lease.flushTimer = null;
        void this.flushLease(lease);
      }, this.options.flushDelayMs);
      lease.flushTimer.unref();
    }
  }

  /** Appends the lease's pending usage, one batch at a time; on failure the records stay for a retry. */
  private async flushLease(lease: Lease): Promise<void> {
    while (lease.flushing) await lease.flushing;
    if (lease.pending.length === 0) return;
    const run = (async () => {
      while (lease.pending.length > 0) {
        const batch = lease.pending.slice(0, this.options.maxBatch);
        try {
          await this.ledger.recordUsage(lease.accountId, lease.id, lease.amount, batch);
          lease.pending.splice(0, batch.length);
        } catch (err) {
          this.options.onError(`recording usage for lease ${lease.id} failed; will retry`, err);
          break;
        }
      }
    })();
    lease.flushing = run;
    try {
      await run;
    } finally {
      lease.flushing = null;
    }
  }

  private finishLease(lease: Lease): Promise<void> {
    if (lease.settled) return Promise.resolve();
    if (!lease.finishing)
      lease.finishing = this.settleLease(lease).finally(() => {
        lease.finishing = null;
      });
    return lease.finishing;
  }

  private async settleLease(lease: Lease): Promise<void> {
    if (lease.flushTimer) {
      clearTimeout(lease.flushTimer);
      lease.flushTimer = null;
    }
    await this.flushLease(lease);
    if (lease.settled || lease.pending.length > 0 || lease.inflight > 0) return;
    try {
      await this.ledger.settle(lease.accountId, lease.id, lease.spent, lease.usageCount);
      lease.settled = true;
      this.open.delete(lease);
    } catch (err) {
      this.options.onError(`settling lease ${lease.id} failed; will retry`, err);
    }
  }

  /** Retires leases near expiry and retries stuck flushes/settlements. */
  private sweep(): void {
    const now = this.options.now();
    for (const lease of this.open) {
      if (!lease.retired && now >= lease.retireAtMs) this.retire(lease);
      else if (lease.retired && lease.inflight === 0 && !lease.settled && !lease.finishing)
        void this.finishLease(lease);
      else if (lease.pending.length > 0 && !lease.flushTimer && !lease.flushing) void this.flushLease(lease);
    }
  }
}
