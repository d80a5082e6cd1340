import { minuteWindow, type TimeWindow } from './calendar';
import { InMemoryQuotaStore } from './in-memory-quota-store';
import {
  DEFAULT_QUOTA_SLICES,
  isQuotaRefusal,
  QuotaSlices,
  type QuotaDemand,
  type QuotaHold,
  type QuotaSlicesOptions,
} from './quota-slices';

describe('quota slices (shared quota claimed in slices, admitted in memory)', () => {
  let clock: number;
  const instances: QuotaSlices[] = [];
  const errors: string[] = [];

  beforeEach(() => {
    clock = Date.parse('2026-05-01T12:00:10Z');
    errors.length = 0;
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.close()));
    expect(errors).toEqual([]);
  });

  function instance(
    store: InMemoryQuotaStore,
    holder: string,
    o: Partial<QuotaSlicesOptions> = {},
  ): QuotaSlices {
    const q = new QuotaSlices(store, {
      ...DEFAULT_QUOTA_SLICES,
      syncIntervalMs: 60_000,
      ...o,
      holder,
      now: () => clock,
      onError: o.onError ?? ((m, e) => void errors.push(`${m}: ${String(e)}`)),
    });
    instances.push(q);
    return q;
  }

  const window = (): TimeWindow => minuteWindow(clock);
  const requests = (limit: number, scope = 'ws:1'): QuotaDemand => ({
    scope,
    metric: 'requests',
    limit: BigInt(limit),
    amount: 1n,
    window: window(),
  });

  it('given two instances and a limit of 50 requests a minute, when 200 requests race, then exactly 50 are admitted and claims are far fewer than requests', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    const b = instance(store, 'gw-b');
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).acquire([requests(50)])),
    );
    const admitted = outcomes.filter((o) => !isQuotaRefusal(o)).length;
    expect(admitted).toBe(50);
    expect(store.read({ scope: 'ws:1', metric: 'requests', windowStartMs: window().startMs })?.used).toBe(
      50n,
    );
    expect(store.claims).toBeLessThan(40);
  });

  it('given many waiters per instance, then a request is refused only once the shared quota is gone (its view shows nothing left)', async () => {
    for (let run = 0; run < 20; run++) {
      const store = new InMemoryQuotaStore();
      const a = instance(store, `gw-a-${run}`);
      const b = instance(store, `gw-b-${run}`);
      const scope = `ws:race-${run}`;
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).acquire([requests(20, scope)])),
      );
      expect(outcomes.filter((o) => !isQuotaRefusal(o))).toHaveLength(20);
      for (const o of outcomes) if (isQuotaRefusal(o)) expect(a.view(o.slice).remaining).toBe(0n);
    }
  });

  it('given a slice that covers the request, then admission answers synchronously without touching the store', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    const first = await a.acquire([requests(100)]);
    expect(isQuotaRefusal(first)).toBe(false);
    const claims = store.claims;
    const second = a.acquire([requests(100)]);
    expect(second).not.toBeInstanceOf(Promise);
    expect(store.claims).toBe(claims);
  });

  it('given a refused request, then the refusal names the counter that ran out, and the others keep nothing of it', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    const key = { ...requests(1000, 'key:k1') };
    expect(isQuotaRefusal(await a.acquire([key, requests(1)]))).toBe(false);
    const refused = await a.acquire([key, requests(1)]);
    if (!isQuotaRefusal(refused)) throw new Error('expected a refusal');
    expect(refused.demand.scope).toBe('ws:1');
    // The key's counter kept only the first request.
    const held = await a.acquire([key]);
    if (isQuotaRefusal(held)) throw new Error('unexpected refusal');
    expect(held.slices[0].used).toBe(2n);
  });

  it('given one instance went idle holding a slice, when the other needs it, then the idle return makes it available again', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a', { sliceDivisor: 2 });
    const b = instance(store, 'gw-b', { sliceDivisor: 2 });
    expect(isQuotaRefusal(await a.acquire([requests(10)]))).toBe(false); // a claims 5, uses 1
    for (let i = 0; i < 5; i++) expect(isQuotaRefusal(await b.acquire([requests(10)]))).toBe(false);
    expect(isQuotaRefusal(await b.acquire([requests(10)]))).toBe(true); // a holds 4 unused
    clock += 3_000; // past idleReturnMs and the exhausted recheck
    await a.sync();
    for (let i = 0; i < 4; i++) expect(isQuotaRefusal(await b.acquire([requests(10)]))).toBe(false);
    expect(isQuotaRefusal(await b.acquire([requests(10)]))).toBe(true);
  });

  it('given credits held at their worst case, when the request settles for less, then the difference is free for the next request and consumption is reported', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    const credits = (amount: bigint): QuotaDemand => ({
      scope: 'ws:1',
      metric: 'credits_day',
      limit: 1_000n,
      amount,
      window: { startMs: 0, endMs: clock + 86_400_000 },
    });
    const first = (await a.acquire([credits(800n)])) as QuotaHold;
    expect(isQuotaRefusal(await a.acquire([credits(300n)]))).toBe(true);
    a.settle(first, [100n]);
    clock += 1_000; // past the exhausted recheck
    expect(isQuotaRefusal(await a.acquire([credits(300n)]))).toBe(false);
    await a.sync();
    expect(store.read({ scope: 'ws:1', metric: 'credits_day', windowStartMs: 0 })?.consumed).toBe(100n);
  });

  it('given a concurrency limit of 3 over two instances, then at most 3 are in flight and a settled request frees its slot', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    const b = instance(store, 'gw-b');
    const slot = (): QuotaDemand => ({
      scope: 'ws:1',
      metric: 'concurrent',
      limit: 3n,
      amount: 1n,
      window: { startMs: 0, endMs: Number.MAX_SAFE_INTEGER },
    });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).acquire([slot()])),
    );
    const holds = outcomes.filter((o): o is QuotaHold => !isQuotaRefusal(o));
    expect(holds).toHaveLength(3);
    const onA = holds.find((h) => outcomes.indexOf(h) % 2 === 1);
    const owner = onA ? a : b;
    owner.settle(
      holds.find((h) => (outcomes.indexOf(h) % 2 === 1) === (owner === a))!,
      [0n],
    );
    clock += 1_000;
    expect(isQuotaRefusal(await owner.acquire([slot()]))).toBe(false);
  });

  it('given a new minute, then the counter starts from zero', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    expect(isQuotaRefusal(await a.acquire([requests(1)]))).toBe(false);
    expect(isQuotaRefusal(await a.acquire([requests(1)]))).toBe(true);
    clock += 60_000;
    expect(isQuotaRefusal(await a.acquire([requests(1)]))).toBe(false);
  });

  it('given a failed sync, then the consumption is reported on the next round, once', async () => {
    class FlakyStore extends InMemoryQuotaStore {
      failNext = true;
      override async sync(entries: Parameters<InMemoryQuotaStore['sync']>[0]): Promise<void> {
        if (this.failNext) {
          this.failNext = false;
          throw new Error('connection reset');
        }
        return super.sync(entries);
      }
    }
    const store = new FlakyStore();
    const seen: string[] = [];
    const a = instance(store, 'gw-a', { onError: (m) => void seen.push(m) });
    const credits: QuotaDemand = {
      scope: 'ws:1',
      metric: 'credits_month',
      limit: 1_000n,
      amount: 50n,
      window: { startMs: 0, endMs: clock + 86_400_000 },
    };
    a.settle((await a.acquire([credits])) as QuotaHold, [20n]);
    await a.sync();
    expect(seen).toEqual(['quota sync failed (returned slices stay claimed until their window ends)']);
    await a.sync();
    await a.sync();
    expect(store.read({ scope: 'ws:1', metric: 'credits_month', windowStartMs: 0 })?.consumed).toBe(20n);
  });

  it('given a slice on close, then its unused part is handed back to the shared counter', async () => {
    const store = new InMemoryQuotaStore();
    const a = instance(store, 'gw-a');
    expect(isQuotaRefusal(await a.acquire([requests(100)]))).toBe(false);
    const ref = { scope: 'ws:1', metric: 'requests' as const, windowStartMs: window().startMs };
    expect(store.read(ref)?.used).toBe(10n);
    await a.close();
    expect(store.read(ref)).toEqual({ used: 1n, consumed: 1n });
  });
});
