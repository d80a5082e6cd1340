import { costHistoryOf, priceHistoryOf, type CostHistory, type PriceHistory } from '@tollgate/catalog';
import { costKey } from '../read-models/margins.projection';
import { CorrectionPreview } from './preview';
import { providerCost, rerateDeltaNanocredits, type RatedRequest } from './rating';
import { correctCost, correctPrice, cost } from './margins-fixtures';
import { marginPercent } from './queries';

const M = 1_000_000n;
const T0 = '2026-01-01T00:00:00.000Z';

const request = (o: Partial<RatedRequest> = {}): RatedRequest => ({
  accountId: 'a1',
  workspaceId: 'ws-a1',
  alias: 'fast',
  provider: 'p1',
  upstreamModel: 'gpt-x',
  status: 'succeeded',
  promptTokens: 1000,
  cachedTokens: 200,
  completionTokens: 500,
  occurredAtMs: Date.parse('2026-02-10T13:00:00.000Z'),
  recordedCostNanocredits: 1n,
  chargedNanocredits: 9n * M,
  ...o,
});

const costs = (): Map<string, CostHistory> =>
  new Map([
    [
      costKey('p1', 'gpt-x'),
      costHistoryOf('p1', 'gpt-x', [
        {
          type: 'CostProfileSet',
          data: {
            providerId: 'p1',
            upstreamModel: 'gpt-x',
            version: 1,
            effectiveAt: T0,
            cost: cost('2', '8'),
            actor: 'a',
            at: T0,
          },
        },
      ]),
    ],
  ]);
const prices = (): Map<string, PriceHistory> =>
  new Map([
    [
      'fast',
      priceHistoryOf('fast', [
        {
          type: 'SellPriceSet',
          data: {
            alias: 'fast',
            version: 1,
            effectiveAt: T0,
            price: { kind: 'markup', markupPercent: '50' },
            actor: 'a',
            at: T0,
          },
        },
      ]),
    ],
  ]);

describe('rating a recorded request', () => {
  it('costs tokens at the profile in force, cached tokens at the input price when none is set, rounded once', () => {
    // 800 × 2 + 200 × 2 + 500 × 8 = 6000 credits per million tokens → 0.006 credits.
    expect(providerCost(request(), costs().get(costKey('p1', 'gpt-x')))).toEqual({
      costNanocredits: 6n * M,
      source: 'v1',
    });
    // Rounded once per request, half-up: two parts of 0.25 nanocredits each make 1, not 0 + 0.
    const tiny = costHistoryOf('p1', 'gpt-x', [
      {
        type: 'CostProfileSet',
        data: {
          providerId: 'p1',
          upstreamModel: 'gpt-x',
          version: 1,
          effectiveAt: T0,
          cost: cost('0.00025', '0.00025'),
          actor: 'a',
          at: T0,
        },
      },
    ]);
    const one = (promptTokens: number, completionTokens: number) =>
      providerCost(request({ promptTokens, cachedTokens: 0, completionTokens }), tiny).costNanocredits;
    expect(one(1, 1)).toBe(1n);
    expect(one(1, 0)).toBe(0n);
    expect(one(3, 0)).toBe(1n);
  });

  it('falls back to the recorded cost when no profile was in force, and never re-rates failed requests', () => {
    expect(
      providerCost(
        request({ occurredAtMs: Date.parse('2025-01-01T00:00:00Z') }),
        costs().get(costKey('p1', 'gpt-x')),
      ),
    ).toEqual({
      costNanocredits: 1n,
      source: 'recorded',
    });
    expect(providerCost(request(), undefined).source).toBe('recorded');
    expect(
      rerateDeltaNanocredits(
        request({ status: 'failed', chargedNanocredits: 0n }),
        costs().get(costKey('p1', 'gpt-x')),
        prices().get('fast'),
      ),
    ).toBe(0n);
  });
});

describe('correction preview', () => {
  it('given a cost correction without re-rating, then cost and margin change and no workspace is re-rated', () => {
    const p = new CorrectionPreview(correctCost(), costs(), prices());
    p.add(request());
    p.add(request({ accountId: 'a2', workspaceId: 'ws-a2' }));
    expect(p.result()).toMatchObject({
      requests: 2,
      costBeforeNanocredits: 12n * M,
      costAfterNanocredits: 6n * M,
      priceBeforeNanocredits: 18n * M,
      priceAfterNanocredits: 18n * M,
      marginBeforeNanocredits: 6n * M,
      marginAfterNanocredits: 12n * M,
      workspaces: [],
    });
  });

  it('given a re-rating cost correction on a marked-up alias, then the charge difference follows the cost, per workspace', () => {
    const p = new CorrectionPreview(correctCost({ rerate: true }), costs(), prices());
    p.add(request({ accountId: 'b', workspaceId: 'ws-b' }));
    p.add(request({ accountId: 'a', workspaceId: 'ws-a' }));
    p.add(request({ accountId: 'a', workspaceId: 'ws-a' }));
    // Cost 0.006 → 0.003, price (cost + 50 %) 0.009 → 0.0045: each request 0.0045 less.
    expect(p.result().workspaces).toEqual([
      { workspaceId: 'ws-a', accountId: 'a', requests: 2, chargeDeltaNanocredits: -9n * M },
      { workspaceId: 'ws-b', accountId: 'b', requests: 1, chargeDeltaNanocredits: -4_500_000n },
    ]);
    expect(p.result().priceAfterNanocredits).toBe(27n * M - 13_500_000n);
  });

  it('given the correction is already in the history, then the preview compares the history without it and with it (re-apply gives the same amounts)', () => {
    const command = correctPrice({ rerate: true });
    const fresh = new CorrectionPreview(command, costs(), prices());
    fresh.add(request());
    const applied = prices();
    applied.set('fast', {
      ...applied.get('fast')!,
      corrections: [
        {
          correctionId: command.correctionId,
          fromMs: Date.parse(command.from),
          toMs: null,
          value: command.price,
          reason: command.reason,
          rerate: true,
          actor: 'a',
          atMs: Date.parse(command.now),
        },
      ],
    });
    const again = new CorrectionPreview(command, costs(), applied);
    again.add(request());
    // Markup 50 % → 100 %: 0.009 → 0.012.
    expect(fresh.result().workspaces).toEqual([
      { workspaceId: 'ws-a1', accountId: 'a1', requests: 1, chargeDeltaNanocredits: 3n * M },
    ]);
    expect(again.result()).toEqual(fresh.result());
  });
});

describe('the re-rating difference of a recorded request', () => {
  const applied = (rerate: boolean) => {
    const command = correctPrice({ rerate });
    const h = prices();
    h.set('fast', {
      ...h.get('fast')!,
      corrections: [
        {
          correctionId: command.correctionId,
          fromMs: Date.parse(command.from),
          toMs: null,
          value: command.price,
          reason: command.reason,
          rerate,
          actor: 'a',
          atMs: Date.parse(command.now),
        },
      ],
    });
    return h.get('fast');
  };

  it('given a re-rating price correction applied after the request, then the request owes the difference', () => {
    // Markup 50 % → 100 %: 0.009 → 0.012.
    expect(rerateDeltaNanocredits(request(), costs().get(costKey('p1', 'gpt-x')), applied(true))).toBe(
      3n * M,
    );
  });

  it('given a re-rating price correction applied before the request, then the gateway charged the corrected price already: no difference', () => {
    const later = request({ occurredAtMs: Date.parse('2026-03-02T00:00:00Z'), chargedNanocredits: 12n * M });
    expect(rerateDeltaNanocredits(later, costs().get(costKey('p1', 'gpt-x')), applied(true))).toBe(0n);
  });

  it('given a correction without re-rating, then no request owes anything', () => {
    expect(rerateDeltaNanocredits(request(), costs().get(costKey('p1', 'gpt-x')), applied(false))).toBe(0n);
  });
});

describe('margin percent', () => {
  it.each([
    [1n, 3n, '33.33'],
    [2n, 3n, '66.67'],
    [-1n, 8n, '-12.50'],
    [0n, 5n, '0.00'],
    [-1n, 300_000n, '0.00'],
    [5n, 0n, null],
  ])('margin %s on price %s is %s %%', (margin, price, expected) => {
    expect(marginPercent(margin, price)).toBe(expected);
  });
});
