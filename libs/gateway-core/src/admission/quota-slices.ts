import type { TimeWindow } from './calendar';

/** What a quota counts. `concurrent` has no window: slots are taken by a request and given back. */
export type QuotaMetric = 'requests' | 'tokens' | 'credits_day' | 'credits_month' | 'concurrent';

/** One shared counter: a scope (`ws:{id}`, `key:{id}`), a metric and a window. */
export interface QuotaCounterRef {
  scope: string;
  metric: QuotaMetric;
  /** 0 for `concurrent`. */
  windowStartMs: number;
  /** When the counter stops mattering (old rows are swept); far future for `concurrent`. */
  windowEndMs: number;
}

export interface QuotaClaimResult {
  /** What this claim obtained, 0..amount (less than asked: the window's quota is now used up). */
  grantedAmount: bigint;
  /** Σ claimed by every instance in the window after this claim. */
  claimedTotal: bigint;
}

export interface QuotaSyncEntry {
  ref: QuotaCounterRef;
  /** Unused quota handed back to the shared counter. */
  releaseAmount: bigint;
  /** Actually consumed since the last report (for showing current use; never admits anything). */
  consumedDelta: bigint;
}

/**
 * The shared counters (Postgres in apps/gateway). `claim` must be ONE atomic step that never lets
 * Σ claimed exceed `limit`: `used = used + min(amount, limit − used)`.
 */
export interface QuotaStore {
  claim(
    ref: QuotaCounterRef,
    limit: bigint,
    amount: bigint,
    consumedDelta: bigint,
    holder: string,
  ): Promise<QuotaClaimResult>;
  /** Gives back unused quota and reports consumption, for many counters in one round trip. */
  sync(entries: readonly QuotaSyncEntry[], holder: string): Promise<void>;
  /**
   * Keeps this holder's concurrency slots alive, hands back the slots of holders that stopped
   * heart-beating (crashed instances) and sweeps counters of windows long gone.
   */
  heartbeat(holder: string): Promise<void>;
}

export interface QuotaSlicesOptions {
  /** This gateway instance (owner of its concurrency slots). */
  holder: string;
  /** A claim takes at least limit / sliceDivisor (bounds quota stranded on an idle instance). */
  sliceDivisor: number;
  /** An unused slice is handed back after this long without use. */
  idleReturnMs: number;
  /** After a short claim, requests are refused from memory for this long before asking again. */
  exhaustedRecheckMs: number;
  /** Claims per admission before giving up (a busy counter shared with other instances). */
  maxClaimRounds: number;
  /** How often the background sync (returns, consumption, heartbeat) runs. */
  syncIntervalMs: number;
  /** Slices tracked at most (one per scope and metric). */
  maxSlices: number;
  now: () => number;
  onError: (message: string, err: unknown) => void;
}

export const DEFAULT_QUOTA_SLICES: Omit<QuotaSlicesOptions, 'holder' | 'now' | 'onError'> = {
  sliceDivisor: 10,
  idleReturnMs: 2_000,
  exhaustedRecheckMs: 250,
  maxClaimRounds: 8,
  syncIntervalMs: 1_000,
  maxSlices: 200_000,
};

/** One demand of a request on one counter. */
export interface QuotaDemand {
  scope: string;
  metric: QuotaMetric;
  limit: bigint;
  amount: bigint;
  window: TimeWindow;
}

/** This instance's share of one counter in its current window. */
export interface Slice {
  readonly id: string;
  ref: QuotaCounterRef;
  limit: bigint;
  /** Claimed by this instance and not handed back. */
  granted: bigint;
  /** Held or consumed here (may pass `granted` when actual usage beat the estimate: a debt). */
  used: bigint;
  /** What the other instances had claimed at our last claim. */
  othersClaimed: bigint;
  unreported: bigint;
  claiming: Promise<void> | null;
  /** Σ amounts waiting for the claim under way (sizes it). */
  waiting: bigint;
  lastUseMs: number;
  /** When a claim last came back short (the shared quota ran out); 0 = never in this window. */
  exhaustedAtMs: number;
}

export interface QuotaHold {
  readonly slices: readonly Slice[];
  readonly amounts: readonly bigint[];
}

export interface QuotaRefusal {
  readonly refused: true;
  readonly demand: QuotaDemand;
  readonly slice: Slice;
}

const SEP = '\u0000';
/** Hard bound on one admission's wake-ups (claims are bounded separately by maxClaimRounds). */
const MAX_ACQUIRE_LOOPS = 1_000;

/**
 * Quota admission by slices (the quota twin of credit leases): an instance claims a slice of a
 * window's quota from the shared counter with one atomic write, then admits from the slice in memory;
 * unused slices go back when idle, so Σ admitted over all instances never exceeds a limit and the
 * shared counter is touched once per slice, not once per request.
 */
export class QuotaSlices {
  private readonly slices = new Map<string, Slice>();
  private readonly timer: NodeJS.Timeout;
  private lastHeartbeatMs = 0;
  private syncing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: QuotaStore,
    private readonly options: QuotaSlicesOptions,
  ) {
    this.timer = setInterval(() => void this.sync(), options.syncIntervalMs);
    this.timer.unref();
  }

  /**
   * Takes every demand or none. Answers from memory while the slices cover the request (the common
   * case: a synchronous result); otherwise claims more and answers the hold or the first refusal.
   */
  acquire(demands: readonly QuotaDemand[]): QuotaHold | QuotaRefusal | Promise<QuotaHold | QuotaRefusal> {
    const now = this.options.now();
    const slices = demands.map((d) => this.slice(d, now));
    const short = this.firstShort(demands, slices);
    if (short < 0) return this.take(demands, slices, now);
    return this.acquireSlow(demands, slices, short);
  }

  /**
   * Ends a hold: `actual[i]` replaces the amount held on the i-th counter (what the request really
   * used: its tokens, its price; 0 for concurrency slots, which are given back).
   */
  settle(hold: QuotaHold, actual: readonly bigint[]): void {
    const now = this.options.now();
    for (let i = 0; i < hold.slices.length; i++) {
      const s = hold.slices[i];
      s.used += actual[i] - hold.amounts[i];
      // Requests were reported when taken (a released one is taken back); the rest when known.
      if (s.ref.metric === 'requests') s.unreported += actual[i] - hold.amounts[i];
      else if (s.ref.metric !== 'concurrent') s.unreported += actual[i];
      s.lastUseMs = now;
    }
  }

  /** What a counter looks like from here: its limit, what is left over all instances, when it resets. */
  view(slice: Slice): { limit: bigint; remaining: bigint; resetMs: number } {
    const used = slice.othersClaimed + slice.used;
    const remaining = slice.limit - used;
    return {
      limit: slice.limit,
      remaining: remaining > 0n ? remaining : 0n,
      resetMs: slice.ref.windowEndMs - this.options.now(),
    };
  }

  /** Hands back every unused slice and reports consumption (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.syncing) await this.syncing;
    const entries: QuotaSyncEntry[] = [];
    const now = this.options.now();
    for (const s of this.slices.values()) {
      const entry = this.syncEntry(s, now, true);
      if (entry) entries.push(entry);
    }
    this.slices.clear();
    if (entries.length > 0) await this.store.sync(entries, this.options.holder);
  }

  /** Runs the background round now (tests). */
  sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = this.syncRound().finally(() => {
      this.syncing = null;
    });
    this.syncing = run;
    return run;
  }

  private async syncRound(): Promise<void> {
    const now = this.options.now();
    const entries: QuotaSyncEntry[] = [];
    const from: Slice[] = [];
    for (const [id, s] of this.slices) {
      if (now >= s.ref.windowEndMs) {
        // The window is over: nothing left to return, and its holds settle into a slice nobody reads.
        if (!s.claiming) this.slices.delete(id);
        continue;
      }
      const idle = now - s.lastUseMs >= this.options.idleReturnMs;
      const entry = this.syncEntry(s, now, idle);
      if (entry) {
        entries.push(entry);
        from.push(s);
      }
    }
    try {
      if (entries.length > 0) await this.store.sync(entries, this.options.holder);
    } catch (err) {
      // Consumption is reported again next round; a lost return stays claimed until the window ends.
      entries.forEach((e, k) => (from[k].unreported += e.consumedDelta));
      this.options.onError('quota sync failed (returned slices stay claimed until their window ends)', err);
    }
    // Only an instance that holds counters heart-beats (and sweeps): an idle one costs nothing.
    if (this.slices.size > 0 && now - this.lastHeartbeatMs >= this.options.syncIntervalMs * 5) {
      this.lastHeartbeatMs = now;
      try {
        await this.store.heartbeat(this.options.holder);
      } catch (err) {
        this.options.onError('quota heart-beat failed (retried next round)', err);
      }
    }
  }

  /** The return/report for one slice, applied locally at once (a failed write strands it: safe). */
  private syncEntry(s: Slice, now: number, giveBack: boolean): QuotaSyncEntry | null {
    let releaseAmount = 0n;
    if (giveBack && !s.claiming && now < s.ref.windowEndMs) {
      const unused = s.granted - s.used;
      if (unused > 0n) {
        releaseAmount = unused;
        s.granted -= unused;
      }
    }
    const consumedDelta = s.unreported;
    s.unreported = 0n;
    if (releaseAmount === 0n && consumedDelta === 0n) return null;
    return { ref: s.ref, releaseAmount, consumedDelta };
  }

  private firstShort(demands: readonly QuotaDemand[], slices: readonly Slice[]): number {
    for (let i = 0; i < demands.length; i++) {
      const s = slices[i];
      if (s.granted - s.used < demands[i].amount) return i;
    }
    return -1;
  }

  private take(demands: readonly QuotaDemand[], slices: Slice[], now: number): QuotaHold {
    const amounts: bigint[] = new Array<bigint>(demands.length);
    for (let i = 0; i < demands.length; i++) {
      const s = slices[i];
      const amount = demands[i].amount;
      s.used += amount;
      if (s.ref.metric === 'requests') s.unreported += amount;
      s.lastUseMs = now;
      amounts[i] = amount;
    }
    return { slices, amounts };
  }

  private async acquireSlow(
    demands: readonly QuotaDemand[],
    slices: Slice[],
    firstShort: number,
  ): Promise<QuotaHold | QuotaRefusal> {
    let short = firstShort;
    // Only real claims count against maxClaimRounds: losing a race for room another claim brought
    // is not this request's failure (many waiters wake together). The loop bound keeps it finite.
    let claims = 0;
    for (
      let loop = 0;
      loop < MAX_ACQUIRE_LOOPS && claims < this.options.maxClaimRounds && !this.closed;
      loop++
    ) {
      const demand = demands[short];
      const s = slices[short];
      const now = this.options.now();
      if (s.exhaustedAtMs > 0 && now - s.exhaustedAtMs < this.options.exhaustedRecheckMs)
        return { refused: true, demand, slice: s };
      const outcome = await this.claim(s, demand.amount);
      if (outcome !== 'room') claims++;
      const exhausted = outcome === 'exhausted';
      // Windows may have rolled while we waited: start again from fresh slices.
      const later = this.options.now();
      for (let i = 0; i < demands.length; i++) slices[i] = this.slice(demands[i], later);
      short = this.firstShort(demands, slices);
      if (short < 0) return this.take(demands, slices, later);
      if (exhausted && slices[short] === s) return { refused: true, demand, slice: s };
    }
    return { refused: true, demand: demands[short], slice: slices[short] };
  }

  /**
   * Claims for `need`, sharing a claim under way: 'room' when the slice already has it (nothing
   * claimed), 'claimed', or 'exhausted' when the shared quota ran out.
   */
  private async claim(s: Slice, need: bigint): Promise<'room' | 'claimed' | 'exhausted'> {
    s.waiting += need;
    try {
      while (s.claiming) await s.claiming;
      if (s.granted - s.used >= need) return 'room';
      if (s.exhaustedAtMs > 0 && this.options.now() - s.exhaustedAtMs < this.options.exhaustedRecheckMs)
        return 'exhausted';
      const debt = s.used > s.granted ? s.used - s.granted : 0n;
      const floor = s.limit / BigInt(this.options.sliceDivisor);
      let amount = s.waiting + debt;
      if (amount < floor) amount = floor;
      if (amount > s.limit) amount = s.limit;
      if (amount <= 0n) amount = 1n;
      let exhausted = false;
      const run = (async () => {
        const reported = s.unreported;
        s.unreported = 0n;
        try {
          const r = await this.store.claim(s.ref, s.limit, amount, reported, this.options.holder);
          s.granted += r.grantedAmount;
          s.othersClaimed = r.claimedTotal - s.granted;
          if (s.othersClaimed < 0n) s.othersClaimed = 0n;
          if (r.grantedAmount < amount) {
            exhausted = true;
            s.exhaustedAtMs = this.options.now();
          } else s.exhaustedAtMs = 0;
        } catch (err) {
          s.unreported += reported;
          throw err;
        }
      })();
      s.claiming = run;
      try {
        await run;
      } finally {
        s.claiming = null;
      }
      return exhausted ? 'exhausted' : 'claimed';
    } finally {
      s.waiting -= need;
    }
  }

  /** The slice a demand draws on (for showing limits even when nothing was taken). */
  sliceFor(d: QuotaDemand): Slice {
    return this.slice(d, this.options.now());
  }

  private slice(d: QuotaDemand, now: number): Slice {
    const id = d.scope + SEP + d.metric;
    let s = this.slices.get(id);
    if (s && s.ref.windowStartMs === d.window.startMs) {
      if (s.limit !== d.limit) this.relimit(s, d.limit);
      return s;
    }
    if (!s && this.slices.size >= this.options.maxSlices) this.evict(now);
    s = {
      id,
      ref: { scope: d.scope, metric: d.metric, windowStartMs: d.window.startMs, windowEndMs: d.window.endMs },
      limit: d.limit,
      granted: 0n,
      used: 0n,
      othersClaimed: 0n,
      unreported: 0n,
      claiming: null,
      waiting: 0n,
      lastUseMs: now,
      exhaustedAtMs: 0,
    };
    this.slices.set(id, s);
    return s;
  }

  /** A limit changed: a lower one takes effect at the next claim (what we hold stays claimed). */
  private relimit(s: Slice, limit: bigint): void {
    s.limit = limit;
    s.exhaustedAtMs = 0;
  }

  private evict(now: number): void {
    for (const [id, s] of this.slices)
      if (now >= s.ref.windowEndMs || (s.used === 0n && s.granted === 0n)) this.slices.delete(id);
  }
}

export function isQuotaRefusal(value: QuotaHold | QuotaRefusal): value is QuotaRefusal {
  return (value as QuotaRefusal).refused === true;
}
