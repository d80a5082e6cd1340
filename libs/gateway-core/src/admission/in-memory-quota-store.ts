import type { QuotaClaimResult, QuotaCounterRef, QuotaStore, QuotaSyncEntry } from './quota-slices';

interface Counter {
  limit: bigint;
  used: bigint;
  consumed: bigint;
  windowEndMs: number;
}

/**
 * The shared-counter port in one process's memory: the same arithmetic as the Postgres store, for a
 * single gateway without a database and for specs of the slice allocator. Every call yields to the
 * event loop first, like a round trip would.
 */
export class InMemoryQuotaStore implements QuotaStore {
  private readonly counters = new Map<string, Counter>();
  claims = 0;
  syncs = 0;

  async claim(
    ref: QuotaCounterRef,
    limit: bigint,
    amount: bigint,
    consumedDelta: bigint,
  ): Promise<QuotaClaimResult> {
    await new Promise((ok) => setImmediate(ok));
    this.claims++;
    const c = this.counter(ref, limit);
    c.limit = limit;
    const room = c.limit - c.used;
    const granted = room <= 0n ? 0n : room < amount ? room : amount;
    c.used += granted;
    c.consumed += consumedDelta;
    return { grantedAmount: granted, claimedTotal: c.used };
  }

  async sync(entries: readonly QuotaSyncEntry[]): Promise<void> {
    await new Promise((ok) => setImmediate(ok));
    this.syncs++;
    for (const e of entries) {
      const c = this.counters.get(this.id(e.ref));
      if (!c) continue;
      c.used -= e.releaseAmount;
      if (c.used < 0n) c.used = 0n;
      c.consumed += e.consumedDelta;
    }
  }

  async heartbeat(): Promise<void> {
    await new Promise((ok) => setImmediate(ok));
  }

  /** Σ claimed and Σ reported consumption of a counter (specs). */
  read(ref: Omit<QuotaCounterRef, 'windowEndMs'>): { used: bigint; consumed: bigint } | null {
    const c = this.counters.get(this.id(ref));
    return c ? { used: c.used, consumed: c.consumed } : null;
  }

  private id(ref: Omit<QuotaCounterRef, 'windowEndMs'>): string {
    return `${ref.scope}\u0000${ref.metric}\u0000${ref.windowStartMs}`;
  }

  private counter(ref: QuotaCounterRef, limit: bigint): Counter {
    const id = this.id(ref);
    let c = this.counters.get(id);
    if (!c) {
      c = { limit, used: 0n, consumed: 0n, windowEndMs: ref.windowEndMs };
      this.counters.set(id, c);
    }
    return c;
  }
}
