import type { NewEvent } from '@tollgate/event-store';
import { LEDGER_PROJECTIONS } from '../read-models';
import { marginsProjection } from '../read-models/margins.projection';
import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { applyCorrection } from './corrections';
import { correctPrice, cost, costProfileSet, sellPriceSet, usageRecorded } from './margins-fixtures';

const M = 1_000_000n; // 0.001 credit
const projections = [...LEDGER_PROJECTIONS, marginsProjection];
const names = projections.map((p) => p.name);

jest.setTimeout(60_000);

/**
 * Re-rating takes its amounts from the margins read model: it must wait until the read model holds
 * every request recorded up to the correction, and must not re-rate a request the gateway already
 * charged at the corrected price. One request (1000 prompt incl. 200 cached + 500 completion tokens at
 * 2/8 per million) costs 0.006 credits: 0.009 at markup 50 %, 0.012 at the corrected markup 100 %.
 */
describe('re-rating and a lagging margins read model', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner | null = null;
  const ev = new LedgerEvents(() => new Date('2026-02-10T09:00:00Z'));
  let n = 0;

  const put = (stream: string, events: NewEvent[]) =>
    env.store.append(stream, events, { expectedRevision: 'any' });
  const startProjector = async () => {
    runner = new ProjectionRunner({ pool: env.pool, store: env.store, projections, log: () => undefined });
    await runner.start();
  };
  const stopProjector = async () => {
    await runner?.stop();
    runner = null;
  };
  const caughtUp = () =>
    waitForProjections(env.pool, env.store, names, { until: env.last(), timeoutMs: 20_000 });
  const usage = (accountId: string, day: string, chargedNanocredits: bigint) =>
    put(`usage-${accountId}-l1`, [
      usageRecorded({
        accountId,
        leaseId: 'l1',
        requestId: `r${++n}`,
        occurredAt: `${day}T13:00:00.000Z`,
        priceNanocredits: chargedNanocredits,
        costNanocredits: 6n * M,
      }),
    ]);
  const openAccount = (accountId: string) =>
    put(`account-${accountId}`, [
      ev.opened(accountId),
      ev.purchased(accountId, 1_000n * M, `pay-${accountId}`),
      ev.leaseReserved(accountId, 'l1', 100n * M),
    ]);
  const adjustmentsOf = async (accountId: string) =>
    (await env.store.readStream(`account-${accountId}`))
      .filter((e) => e.type === 'CreditsAdjusted')
      .map((e) => (e.data as { amountNanocredits: string }).amountNanocredits);
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((ok) => setTimeout(ok, 20));
    }
  };

  beforeAll(async () => {
    env = await projectionTestEnv();
    await startProjector();
    await put('cost-profile-p1-gpt.x', [costProfileSet(1, '2026-01-01T00:00:00.000Z', cost('2', '8'))]);
    await put('sell-price-fast', [
      sellPriceSet(1, '2026-01-01T00:00:00.000Z', { kind: 'markup', markupPercent: '50' }),
    ]);
    await caughtUp();
  });
  afterAll(async () => {
    await stopProjector();
    await env.close();
  });

  it('given requests the margins read model has not projected yet, when a re-rating correction is applied, then it waits for them and re-rates every one', async () => {
    await openAccount('lag-a');
    await caughtUp();
    await stopProjector();
    for (let i = 0; i < 3; i++) await usage('lag-a', '2026-02-10', 9n * M);

    const progress: number[] = [];
    const applying = applyCorrection(
      env,
      correctPrice({
        correctionId: 'lag-1',
        from: '2026-02-10T00:00:00.000Z',
        to: '2026-02-11T00:00:00.000Z',
      }),
      {
        rebuild: false,
        catchUpTimeoutMs: 20_000,
        projectWhileWaiting: false,
        onCatchUpProgress: (p) => progress.push(p.lagEvents),
      },
    );
    // Nothing is written while the read model lags.
    await new Promise((ok) => setTimeout(ok, 1_200));
    expect(await env.store.readStream('correction-lag-1')).toEqual([]);
    expect(progress[0]).toBe(3);

    await startProjector();
    const result = await applying;
    expect(result.adjustments).toEqual([
      expect.objectContaining({ accountId: 'lag-a', requestedNanocredits: -9n * M, outcome: 'adjusted' }),
    ]);
    expect(await adjustmentsOf('lag-a')).toEqual([(-9n * M).toString()]);
  });

  it('given a read model that does not catch up in time, when a correction is applied, then it is refused with MARGINS_BEHIND and nothing is written', async () => {
    await openAccount('stuck-a');
    await caughtUp();
    await stopProjector();
    await usage('stuck-a', '2026-02-12', 9n * M);

    await expect(
      applyCorrection(
        env,
        correctPrice({
          correctionId: 'stuck-1',
          from: '2026-02-12T00:00:00.000Z',
          to: '2026-02-13T00:00:00.000Z',
        }),
        {
          rebuild: false,
          catchUpTimeoutMs: 300,
          projectWhileWaiting: false,
        },
      ),
    ).rejects.toMatchObject({
      code: 'MARGINS_BEHIND',
      message: expect.stringMatching(/margins read model has not projected 1 event/),
    });
    expect(await env.store.readStream('correction-stuck-1')).toEqual([]);
    expect(await adjustmentsOf('stuck-a')).toEqual([]);
    await startProjector();
    await caughtUp();
  });

  it('given an open-ended price correction, when requests arrive while and after it is applied, then those the gateway charged at the corrected price are never re-rated and the others are re-rated once', async () => {
    const correction = correctPrice({ correctionId: 'open-1', from: '2026-02-14T00:00:00.000Z', to: null });
    await openAccount('open-a');
    await usage('open-a', '2026-02-14', 9n * M); // before the correction: old price
    await caughtUp();
    await stopProjector();

    const applying = applyCorrection(env, correction, {
      rebuild: false,
      catchUpTimeoutMs: 20_000,
      projectWhileWaiting: false,
    });
    // The correction is appended and apply waits for the read model to reach it; meanwhile the gateway
    // records one request with the corrected price (its catalog has the correction) and one with the old
    // price (its catalog snapshot had not reloaded yet).
    await until(async () => (await env.store.readStream('correction-open-1')).length > 0, 'the correction');
    await usage('open-a', '2026-02-14', 12n * M);
    await usage('open-a', '2026-02-14', 9n * M);
    await startProjector();
    const result = await applying;
    expect(result.preview.requests).toBe(3);
    expect(result.adjustments).toEqual([
      expect.objectContaining({ accountId: 'open-a', requestedNanocredits: -6n * M, outcome: 'adjusted' }),
    ]);

    // After apply the gateway charges the corrected price; applying again re-rates nothing more.
    await usage('open-a', '2026-02-14', 12n * M);
    await caughtUp();
    const again = await applyCorrection(env, correction, {
      rebuild: false,
      catchUpTimeoutMs: 20_000,
      projectWhileWaiting: false,
    });
    expect(again.appended).toBe(false);
    expect(again.adjustments.map((a) => a.outcome)).toEqual(['already_adjusted']);
    expect(await adjustmentsOf('open-a')).toEqual([(-6n * M).toString()]);
  });

  it('given no projector running at all (the CLI against a stopped product), when a re-rating correction is applied, then apply projects the margins itself and re-rates every request', async () => {
    await openAccount('alone-a');
    await caughtUp();
    await stopProjector();
    for (let i = 0; i < 2; i++) await usage('alone-a', '2026-02-08', 9n * M);

    const result = await applyCorrection(
      env,
      correctPrice({
        correctionId: 'alone-1',
        from: '2026-02-08T00:00:00.000Z',
        to: '2026-02-09T00:00:00.000Z',
      }),
      { rebuild: false, catchUpTimeoutMs: 20_000 },
    );
    expect(result.adjustments).toEqual([
      expect.objectContaining({ accountId: 'alone-a', requestedNanocredits: -6n * M, outcome: 'adjusted' }),
    ]);
    await startProjector();
  });
});
