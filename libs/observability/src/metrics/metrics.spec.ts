import { cachedSource, TollgateMetrics } from './metrics';

describe('TollgateMetrics sources read at scrape time', () => {
  it('given lease sources of two gateways, then the gauges sum them (credits for display from nanocredits)', async () => {
    const metrics = new TollgateMetrics({ defaultMetrics: false });
    metrics.addLeaseSource(() => ({
      openLeases: 2,
      leasedNanocredits: 1_500_000_000n,
      pendingUsage: 3,
      inflight: 4,
    }));
    const off = metrics.addLeaseSource(() => ({
      openLeases: 1,
      leasedNanocredits: 500_000_000n,
      pendingUsage: 0,
      inflight: 1,
    }));
    const text = (await metrics.render()).body;
    expect(text).toMatch(/^tollgate_gateway_open_leases 3$/m);
    expect(text).toMatch(/^tollgate_gateway_leased_credits 2$/m);
    expect(text).toMatch(/^tollgate_gateway_usage_events_buffered 3$/m);
    expect(text).toMatch(/^tollgate_gateway_requests_in_flight 5$/m);
    off();
    expect((await metrics.render()).body).toMatch(/^tollgate_gateway_open_leases 2$/m);
  });

  it('given breaker states, then each deployment shows 0 closed, 1 half-open, 2 open', async () => {
    const metrics = new TollgateMetrics({ defaultMetrics: false });
    metrics.addCircuitSource(() => [
      ['dep-a', 'closed'],
      ['dep-b', 'open'],
      ['dep-c', 'half_open'],
    ]);
    const text = (await metrics.render()).body;
    expect(text).toContain('tollgate_gateway_circuit_breaker_state{deployment="dep-a"} 0');
    expect(text).toContain('tollgate_gateway_circuit_breaker_state{deployment="dep-b"} 2');
    expect(text).toContain('tollgate_gateway_circuit_breaker_state{deployment="dep-c"} 1');
  });

  it('given projection lag with a rebuild running, then lag and rebuild progress are shown; a failing source does not break the scrape', async () => {
    const metrics = new TollgateMetrics({ defaultMetrics: false });
    metrics.addProjectionSource(async () => [
      { name: 'balances', lagEvents: 12, lagSeconds: 1.5, rebuildFraction: null },
      { name: 'request_log', lagEvents: 0, lagSeconds: 0, rebuildFraction: 0.25 },
    ]);
    metrics.addProjectionSource(async () => {
      throw new Error('database down');
    });
    const text = (await metrics.render()).body;
    expect(text).toContain('tollgate_projector_lag_events{projection="balances"} 12');
    expect(text).toContain('tollgate_projector_lag_seconds{projection="balances"} 1.5');
    expect(text).toContain('tollgate_projection_rebuild_progress_ratio{projection="request_log"} 0.25');
    expect(text).not.toContain('tollgate_projection_rebuild_progress_ratio{projection="balances"}');
  });
});

describe('cachedSource', () => {
  it('reuses a read within its time to live, reads again after it, and never caches a failure', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const source = cachedSource(
      async () => {
        reads++;
        if (fail) throw new Error('down');
        return reads;
      },
      1000,
      () => now,
    );
    expect(await source()).toBe(1);
    now = 999;
    expect(await source()).toBe(1);
    now = 1000;
    fail = true;
    await expect(source()).rejects.toThrow('down');
    fail = false;
    expect(await source()).toBe(3);
  });
});
