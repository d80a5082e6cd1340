import type { NewEvent } from '@tollgate/event-store';
import { formatReplay } from '../audit/format';
import { replayAccount, verifyAll } from '../audit/replay';
import { LEDGER_PROJECTIONS } from '../read-models';
import { marginsProjection } from '../read-models/margins.projection';
import { dumpProjection } from '../runtime/dump';
import { rebuildProjections } from '../runtime/rebuild';
import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { applyCorrection, previewCorrection } from './corrections';
import {
  correctCost,
  correctPrice,
  cost,
  costProfileSet,
  sellPriceSet,
  usageRecorded,
} from './margins-fixtures';
import { marginSummary } from './queries';

const M = 1_000_000n; // 0.001 credit
const projections = [...LEDGER_PROJECTIONS, marginsProjection];
const names = projections.map((p) => p.name);

interface Row {
  request_id: string;
  cost: string;
  source: string;
  charged: string;
  delta: string;
}

jest.setTimeout(30_000);

describe('margins read model, corrections and re-rating', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;
  const ev = new LedgerEvents(() => new Date('2026-02-10T09:00:00Z'));

  const put = (stream: string, events: NewEvent[]) =>
    env.store.append(stream, events, { expectedRevision: 'any' });
  const caughtUp = () =>
    waitForProjections(env.pool, env.store, names, { until: env.last(), timeoutMs: 20_000 });
  const rows = async (where = 'true'): Promise<Row[]> =>
    (
      await env.pool.query<Row>(
        `SELECT request_id, cost_nanocredits::text AS cost, cost_source AS source,
                charged_nanocredits::text AS charged, rerate_delta_nanocredits::text AS delta
           FROM margin_requests WHERE ${where} ORDER BY occurred_at, request_id`,
      )
    ).rows;
  const day = async (d: string, model = 'gpt-x') =>
    (
      await env.pool.query<{ requests: string; cost: string; charged: string; delta: string }>(
        `SELECT requests::text, cost_nanocredits::text AS cost, charged_nanocredits::text AS charged,
                rerate_delta_nanocredits::text AS delta
           FROM margin_daily WHERE day = $1 AND upstream_model = $2`,
        [d, model],
      )
    ).rows[0];

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({ pool: env.pool, store: env.store, projections, log: () => undefined });
    await runner.start();
    // Catalog: gpt-x and gpt-y cost 2 in / 8 out per million; alias "fast" sells at cost + 50 %.
    await put('cost-profile-p1-gpt.x', [costProfileSet(1, '2026-01-01T00:00:00.000Z', cost('2', '8'))]);
    await put('cost-profile-p1-gpt.y', [
      costProfileSet(1, '2026-01-01T00:00:00.000Z', cost('2', '8'), 'p1', 'gpt-y'),
    ]);
    await put('sell-price-fast', [
      sellPriceSet(1, '2026-01-01T00:00:00.000Z', { kind: 'markup', markupPercent: '50' }),
    ]);
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  it('given usage on a day, when a correction over a window that splits the day arrives later, then only requests inside [from, to) are re-costed and charges stay', async () => {
    // 1000 prompt (200 cached) + 500 completion tokens at 2/8 per million = 0.006 credits; charged 0.009.
    await put('account-a1', [
      ev.opened('a1'),
      ev.purchased('a1', 1_000n * M, 'pay-a1'),
      ev.leaseReserved('a1', 'l1', 100n * M),
    ]);
    await put(
      'usage-a1-l1',
      [
        '2026-02-10T10:00:00.000Z',
        '2026-02-10T13:00:00.000Z',
        '2026-02-10T17:59:59.999Z',
        '2026-02-10T18:00:00.000Z',
        '2026-02-11T09:00:00.000Z',
      ].map((occurredAt, i) =>
        usageRecorded({
          accountId: 'a1',
          leaseId: 'l1',
          requestId: `r${i + 1}`,
          occurredAt,
          priceNanocredits: 9n * M,
        }),
      ),
    );
    await put('account-a1', [ev.leaseSettled('a1', 'l1', 45n * M, 55n * M, 5)]);
    await caughtUp();
    expect((await rows()).map((r) => [r.cost, r.source])).toEqual(Array(5).fill([(6n * M).toString(), 'v1']));
    expect(await day('2026-02-10')).toEqual({
      requests: '4',
      cost: '24000000',
      charged: '36000000',
      delta: '0',
    });

    // The preview shows the effect before anything is written.
    const preview = await previewCorrection(env, correctCost());
    expect(preview).toMatchObject({
      requests: 2,
      costBeforeNanocredits: 12n * M,
      costAfterNanocredits: 6n * M,
      priceBeforeNanocredits: 18n * M,
      priceAfterNanocredits: 18n * M,
      marginBeforeNanocredits: 6n * M,
      marginAfterNanocredits: 12n * M,
      workspaces: [],
    });
    expect((await env.store.readStream('correction-corr-1')).length).toBe(0);

    // Applied without the rebuild first: the live projection re-costs the stored rows itself.
    const applied = await applyCorrection(env, correctCost(), { rebuild: false });
    expect(applied.appended).toBe(true);
    await caughtUp();
    expect((await rows()).map((r) => [r.request_id, r.cost, r.source, r.charged])).toEqual([
      ['r1', '6000000', 'v1', '9000000'],
      ['r2', '3000000', 'correction:corr-1', '9000000'],
      ['r3', '3000000', 'correction:corr-1', '9000000'],
      ['r4', '6000000', 'v1', '9000000'],
      ['r5', '6000000', 'v1', '9000000'],
    ]);
    expect(await day('2026-02-10')).toEqual({
      requests: '4',
      cost: '18000000',
      charged: '36000000',
      delta: '0',
    });
    expect(await day('2026-02-11')).toEqual({
      requests: '1',
      cost: '6000000',
      charged: '9000000',
      delta: '0',
    });

    // A rebuild from position 0 (correction after the usage in $all) gives exactly the same rows.
    const live = await dumpProjection(env.pool, marginsProjection);
    const [rebuilt] = await rebuildProjections(env.pool, env.store, [marginsProjection], { batchSize: 2 });
    expect(rebuilt.ok).toBe(true);
    expect(await dumpProjection(env.pool, marginsProjection)).toBe(live);

    const summary = await marginSummary(env.pool, {
      from: new Date('2026-02-10T00:00:00Z'),
      to: new Date('2026-02-11T00:00:00Z'),
    });
    expect(summary).toEqual([
      expect.objectContaining({
        alias: 'fast',
        deployment: 'p1-main',
        requests: 4n,
        costNanocredits: 18n * M,
        priceNanocredits: 36n * M,
        marginNanocredits: 18n * M,
        marginPercent: '50.00',
        exposureNanocredits: 0n,
      }),
    ]);
  });

  it('given the correction applied, when it is applied again, then nothing is appended and the margins stay; other data under its id is refused', async () => {
    const before = await dumpProjection(env.pool, marginsProjection);
    const again = await applyCorrection(
      env,
      correctCost({ actor: 'admin-2', now: '2026-03-02T00:00:00.000Z' }),
    );
    expect(again.appended).toBe(false);
    expect(again.rebuild?.every((r) => r.ok)).toBe(true);
    expect((await env.store.readStream('correction-corr-1')).length).toBe(1);
    await caughtUp();
    expect(await dumpProjection(env.pool, marginsProjection)).toBe(before);
    await expect(applyCorrection(env, correctCost({ cost: cost('5', '5') }))).rejects.toMatchObject({
      code: 'CORRECTION_CONFLICT',
    });
  });

  it('given a correction without re-rating, then verify still passes', async () => {
    await caughtUp();
    expect((await verifyAll(env.store, env.pool)).failed).toEqual([]);
  });

  it('given an account whose credits were partly refunded, when a re-rating correction raises its charges, then the debit is capped at what is available and applying again changes nothing', async () => {
    const C = 1_000_000_000n;
    // a2: 0.1 credits bought, 5 requests of 0.009 on gpt-y, then 0.04 refunded: 0.015 left.
    await put('account-a2', [
      ev.opened('a2'),
      ev.purchased('a2', 100n * M, 'pay-a2'),
      ev.leaseReserved('a2', 'l2', 50n * M),
    ]);
    await put(
      'usage-a2-l2',
      [0, 1, 2, 3, 4].map((i) =>
        usageRecorded({
          accountId: 'a2',
          leaseId: 'l2',
          requestId: `a2-r${i}`,
          upstreamModel: 'gpt-y',
          occurredAt: `2026-02-10T13:0${i}:00.000Z`,
          priceNanocredits: 9n * M,
        }),
      ),
    );
    await put('account-a2', [
      ev.leaseSettled('a2', 'l2', 45n * M, 5n * M, 5),
      ev.refunded('a2', 40n * M, 'pay-a2'),
    ]);
    // a3: plenty of credits, one request in the window.
    await put('account-a3', [
      ev.opened('a3'),
      ev.purchased('a3', 1n * C, 'pay-a3'),
      ev.leaseReserved('a3', 'l3', 20n * M),
    ]);
    await put('usage-a3-l3', [
      usageRecorded({
        accountId: 'a3',
        leaseId: 'l3',
        requestId: 'a3-r1',
        upstreamModel: 'gpt-y',
        occurredAt: '2026-02-10T13:01:30.000Z',
        priceNanocredits: 9n * M,
      }),
    ]);
    await put('account-a3', [ev.leaseSettled('a3', 'l3', 9n * M, 11n * M, 1)]);
    await caughtUp();

    // Cost doubles to 4/16 over [13:00, 13:02): price (cost + 50 %) goes from 0.009 to 0.018.
    const raise = correctCost({
      correctionId: 'corr-up',
      upstreamModel: 'gpt-y',
      from: '2026-02-10T13:00:00.000Z',
      to: '2026-02-10T13:02:00.000Z',
      cost: cost('4', '16'),
      rerate: true,
    });
    const preview = await previewCorrection(env, raise);
    expect(preview.workspaces).toEqual([
      { workspaceId: 'ws-a2', accountId: 'a2', requests: 2, chargeDeltaNanocredits: 18n * M },
      { workspaceId: 'ws-a3', accountId: 'a3', requests: 1, chargeDeltaNanocredits: 9n * M },
    ]);

    const result = await applyCorrection(env, raise);
    expect(result.adjustments).toEqual([
      {
        accountId: 'a2',
        workspaceId: 'ws-a2',
        requestedNanocredits: -18n * M,
        adjustedNanocredits: -15n * M,
        uncollectedNanocredits: 3n * M,
        outcome: 'capped',
      },
      {
        accountId: 'a3',
        workspaceId: 'ws-a3',
        requestedNanocredits: -9n * M,
        adjustedNanocredits: -9n * M,
        uncollectedNanocredits: 0n,
        outcome: 'adjusted',
      },
    ]);
    expect(result.rebuild?.every((r) => r.ok)).toBe(true);
    const adjusted = (await env.store.readStream('account-a2')).filter((e) => e.type === 'CreditsAdjusted');
    expect(adjusted.map((e) => e.data)).toEqual([
      expect.objectContaining({
        adjustmentId: 'correction-corr-up',
        amountNanocredits: '-15000000',
        reasonCode: 'COST_CORRECTION',
        reference: 'corr-up',
      }),
    ]);

    // Usage events are untouched; the statement shows the adjustment referencing the correction.
    const usage = await env.store.readStream('usage-a2-l2');
    expect(usage.map((e) => (e.data as { priceNanocredits: string }).priceNanocredits)).toEqual(
      Array(5).fill('9000000'),
    );
    await caughtUp();
    const { rows: lines } = await env.pool.query<{ entry_type: string; amount: string; description: string }>(
      `SELECT entry_type, amount_nanocredits::text AS amount, description FROM statement_lines
        WHERE account_id = 'a2' ORDER BY line_no DESC LIMIT 1`,
    );
    expect(lines[0]).toEqual({
      entry_type: 'adjustment',
      amount: '-15000000',
      description: 'Adjustment COST_CORRECTION: corr-up',
    });
    const { rows: bal } = await env.pool.query<{ posted: string }>(
      `SELECT posted_nanocredits::text AS posted FROM balances WHERE account_id = 'a2'`,
    );
    expect(bal[0].posted).toBe('0');

    // Margins: cost 0.012 and price 0.009 + 0.009 re-rated for the two requests inside the window.
    expect(await rows(`account_id = 'a2'`)).toEqual([
      {
        request_id: 'a2-r0',
        cost: '12000000',
        source: 'correction:corr-up',
        charged: '9000000',
        delta: '9000000',
      },
      {
        request_id: 'a2-r1',
        cost: '12000000',
        source: 'correction:corr-up',
        charged: '9000000',
        delta: '9000000',
      },
      { request_id: 'a2-r2', cost: '6000000', source: 'v1', charged: '9000000', delta: '0' },
      { request_id: 'a2-r3', cost: '6000000', source: 'v1', charged: '9000000', delta: '0' },
      { request_id: 'a2-r4', cost: '6000000', source: 'v1', charged: '9000000', delta: '0' },
    ]);
    expect(await day('2026-02-10', 'gpt-y')).toEqual({
      requests: '6',
      cost: (12n * M * 3n + 6n * M * 3n).toString(),
      charged: (9n * M * 6n).toString(),
      delta: (27n * M).toString(),
    });

    // The replay shows the correction and the adjustment it caused.
    const replay = await replayAccount(env.store, env.pool, 'a2');
    expect(replay.differences).toEqual([]);
    expect(replay.corrections).toEqual([
      expect.objectContaining({
        correctionId: 'corr-up',
        kind: 'cost',
        target: 'p1/gpt-y',
        rerate: true,
        requestsAffected: 2,
        adjustment: { adjustmentId: 'correction-corr-up', amountNanocredits: -15n * M },
      }),
    ]);
    const table = [...formatReplay(replay, 'table')].join('');
    expect(table).toContain('Adjustment COST_CORRECTION: corr-up');
    expect(table).toMatch(
      /corr-up: cost p1\/gpt-y over \[2026-02-10T13:00:00.000Z, 2026-02-10T13:02:00.000Z\) by admin-1: .*2 requests, re-rating; adjustment correction-corr-up -0.015000000/,
    );

    // Applied again: no second adjustment, balances unchanged.
    const again = await applyCorrection(env, raise, { rebuild: false });
    expect(again.appended).toBe(false);
    expect(again.adjustments.map((a) => a.outcome)).toEqual(['already_adjusted', 'already_adjusted']);
    expect(
      (await env.store.readStream('account-a2')).filter((e) => e.type === 'CreditsAdjusted'),
    ).toHaveLength(1);
    await caughtUp();
    expect((await verifyAll(env.store, env.pool)).failed).toEqual([]);
  });

  it('given a price correction with re-rating, then customers are credited the difference and margins use the corrected price', async () => {
    // a3's gpt-y request at 13:01:30 already re-rated by corr-up (cost 0.012 → price 0.018); a 100 % markup
    // from 13:01 makes it 0.024: 0.006 more to collect.
    const markup = correctPrice({
      correctionId: 'corr-markup',
      from: '2026-02-10T13:01:00.000Z',
      to: '2026-02-10T13:02:00.000Z',
    });
    const preview = await previewCorrection(env, markup);
    expect(preview.workspaces).toEqual([
      { workspaceId: 'ws-a2', accountId: 'a2', requests: 1, chargeDeltaNanocredits: 6n * M },
      { workspaceId: 'ws-a3', accountId: 'a3', requests: 1, chargeDeltaNanocredits: 6n * M },
    ]);
    const result = await applyCorrection(env, markup);
    expect(result.adjustments.map((a) => [a.accountId, a.adjustedNanocredits, a.outcome])).toEqual([
      ['a2', 0n, 'nothing_to_collect'],
      ['a3', -6n * M, 'adjusted'],
    ]);
    await caughtUp();
    expect(await rows(`request_id = 'a3-r1'`)).toEqual([
      {
        request_id: 'a3-r1',
        cost: '12000000',
        source: 'correction:corr-up',
        charged: '9000000',
        delta: '15000000',
      },
    ]);
    expect((await verifyAll(env.store, env.pool)).failed).toEqual([]);
  });

  it('given usage appended during a rebuild, then the rebuilt rows equal those of a rebuild from a quiet store', async () => {
    let stop = false;
    let appended = 0;
    const traffic = (async () => {
      for (let lease = 0; !stop && lease < 80; lease++) {
        await put(
          `usage-a9-t${lease}`,
          Array.from({ length: 25 }, (_, i) =>
            usageRecorded({
              accountId: 'a9',
              leaseId: `t${lease}`,
              requestId: `t${lease}-${i}`,
              // Spread over the corrected window and outside it.
              occurredAt: new Date(
                Date.parse('2026-02-10T11:00:00Z') + (lease * 25 + i) * 60_000,
              ).toISOString(),
              upstreamModel: i % 2 === 0 ? 'gpt-x' : 'gpt-y',
              priceNanocredits: 9n * M,
            }),
          ),
        );
        appended += 25;
      }
    })();
    await new Promise((ok) => setTimeout(ok, 100));
    const atStart = appended;
    const [underTraffic] = await rebuildProjections(env.pool, env.store, [marginsProjection], {
      batchSize: 100,
    });
    const atEnd = appended;
    stop = true;
    await traffic;
    expect(underTraffic.ok).toBe(true);
    // Usage really was appended while the rebuild ran.
    expect(atEnd).toBeGreaterThan(atStart);
    await caughtUp();
    const live = await dumpProjection(env.pool, marginsProjection);
    const { rows: n } = await env.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM margin_requests WHERE account_id = 'a9'`,
    );
    expect(Number(n[0].n)).toBe(appended);
    expect(appended).toBeGreaterThan(0);

    const [quiet] = await rebuildProjections(env.pool, env.store, [marginsProjection]);
    expect(quiet.ok).toBe(true);
    expect(await dumpProjection(env.pool, marginsProjection)).toBe(live);
  }, 60_000);
});
