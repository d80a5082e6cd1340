import type {
  CostProfileCorrected,
  CostProfileSet,
  PriceCorrected,
  SellPriceSet,
  TokenCost,
} from '../events';
import {
  costHistoryOf,
  effectiveCostAt,
  effectivePriceAt,
  emptyCostHistory,
  foldCostHistory,
  HistoryMismatchError,
  priceHistoryOf,
  tokenPricesOf,
  withProposedCorrection,
} from './history';

const ms = (iso: string) => Date.parse(iso);
const cost = (input: string, output = '2'): TokenCost => ({
  inputPerMillion: input,
  cachedInputPerMillion: null,
  outputPerMillion: output,
});
const set = (
  version: number,
  effectiveAt: string,
  c: TokenCost,
): { type: 'CostProfileSet'; data: CostProfileSet } => ({
  type: 'CostProfileSet',
  data: {
    providerId: 'p1',
    upstreamModel: 'gpt-x',
    version,
    effectiveAt,
    cost: c,
    actor: 'admin',
    at: effectiveAt,
  },
});
const corrected = (
  correctionId: string,
  from: string,
  to: string | null,
  c: TokenCost,
): { type: 'CostProfileCorrected'; data: CostProfileCorrected } => ({
  type: 'CostProfileCorrected',
  data: {
    correctionId,
    providerId: 'p1',
    upstreamModel: 'gpt-x',
    from,
    to,
    cost: c,
    reason: 'provider invoice differs',
    rerate: false,
    actor: 'admin',
    at: '2026-03-01T00:00:00.000Z',
  },
});

describe('cost history', () => {
  it('given only plain versions, the version in force at an instant applies (none before the first)', () => {
    const h = costHistoryOf('p1', 'gpt-x', [
      set(1, '2026-01-01T00:00:00.000Z', cost('1')),
      set(2, '2026-02-01T00:00:00.000Z', cost('3')),
    ]);
    expect(effectiveCostAt(h, ms('2025-12-31T23:59:59.999Z'))).toBeNull();
    expect(effectiveCostAt(h, ms('2026-01-15T00:00:00.000Z'))).toEqual({
      value: cost('1'),
      source: { kind: 'version', version: 1 },
    });
    expect(effectiveCostAt(h, ms('2026-02-01T00:00:00.000Z'))?.source).toEqual({
      kind: 'version',
      version: 2,
    });
  });

  it('given versions folded out of order, the effective time decides, then the higher version on a tie', () => {
    const h = costHistoryOf('p1', 'gpt-x', [
      set(3, '2026-01-01T00:00:00.000Z', cost('9')),
      set(1, '2026-01-01T00:00:00.000Z', cost('1')),
      set(2, '2026-02-01T00:00:00.000Z', cost('3')),
    ]);
    expect(effectiveCostAt(h, ms('2026-01-10T00:00:00.000Z'))?.value).toEqual(cost('9'));
    expect(effectiveCostAt(h, ms('2026-02-10T00:00:00.000Z'))?.value).toEqual(cost('3'));
  });

  it('given a correction window that splits a day, only instants inside [from, to) take the corrected cost', () => {
    const h = costHistoryOf('p1', 'gpt-x', [
      set(1, '2026-01-01T00:00:00.000Z', cost('1')),
      corrected('c1', '2026-01-10T12:00:00.000Z', '2026-01-10T18:30:00.000Z', cost('0.5')),
    ]);
    expect(effectiveCostAt(h, ms('2026-01-10T11:59:59.999Z'))?.source).toEqual({
      kind: 'version',
      version: 1,
    });
    expect(effectiveCostAt(h, ms('2026-01-10T12:00:00.000Z'))).toEqual({
      value: cost('0.5'),
      source: { kind: 'correction', correctionId: 'c1' },
    });
    expect(effectiveCostAt(h, ms('2026-01-10T18:29:59.999Z'))?.value).toEqual(cost('0.5'));
    // `to` is exclusive: the plain version is back at the window's end.
    expect(effectiveCostAt(h, ms('2026-01-10T18:30:00.000Z'))?.value).toEqual(cost('1'));
  });

  it('given overlapping corrections, the one applied later wins where they overlap, each elsewhere its own', () => {
    const h = costHistoryOf('p1', 'gpt-x', [
      set(1, '2026-01-01T00:00:00.000Z', cost('1')),
      corrected('wide', '2026-01-05T00:00:00.000Z', '2026-01-20T00:00:00.000Z', cost('2')),
      corrected('narrow', '2026-01-10T00:00:00.000Z', '2026-01-12T00:00:00.000Z', cost('3')),
      // Applied last, starts inside "narrow" and is open-ended.
      corrected('tail', '2026-01-11T00:00:00.000Z', null, cost('4')),
    ]);
    const at = (iso: string) => effectiveCostAt(h, ms(iso))?.source;
    expect(at('2026-01-04T00:00:00.000Z')).toEqual({ kind: 'version', version: 1 });
    expect(at('2026-01-06T00:00:00.000Z')).toEqual({ kind: 'correction', correctionId: 'wide' });
    expect(at('2026-01-10T06:00:00.000Z')).toEqual({ kind: 'correction', correctionId: 'narrow' });
    expect(at('2026-01-11T06:00:00.000Z')).toEqual({ kind: 'correction', correctionId: 'tail' });
    expect(at('2027-01-01T00:00:00.000Z')).toEqual({ kind: 'correction', correctionId: 'tail' });
  });

  it('given a correction that is older than a plain version set later, the correction still wins in its window', () => {
    const h = costHistoryOf('p1', 'gpt-x', [
      set(1, '2026-01-01T00:00:00.000Z', cost('1')),
      corrected('c1', '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', cost('0.7')),
      set(2, '2026-02-01T00:00:00.000Z', cost('5')),
    ]);
    expect(effectiveCostAt(h, ms('2026-02-10T00:00:00.000Z'))?.value).toEqual(cost('0.7'));
    expect(effectiveCostAt(h, ms('2026-03-10T00:00:00.000Z'))?.value).toEqual(cost('5'));
  });

  it('given the same correction delivered twice, the history holds it once (a re-apply is a no-op)', () => {
    const c = corrected('c1', '2026-01-10T00:00:00.000Z', null, cost('0.5'));
    const once = costHistoryOf('p1', 'gpt-x', [set(1, '2026-01-01T00:00:00.000Z', cost('1')), c]);
    const twice = foldCostHistory(once, c);
    expect(twice.corrections).toHaveLength(1);
    expect(twice).toEqual(once);
  });

  it('given an event for another model or an empty window, folding refuses it', () => {
    const other = set(1, '2026-01-01T00:00:00.000Z', cost('1'));
    other.data.upstreamModel = 'other';
    expect(() => foldCostHistory(emptyCostHistory('p1', 'gpt-x'), other)).toThrow(HistoryMismatchError);
    expect(() =>
      foldCostHistory(
        emptyCostHistory('p1', 'gpt-x'),
        corrected('bad', '2026-01-10T00:00:00.000Z', '2026-01-10T00:00:00.000Z', cost('1')),
      ),
    ).toThrow(/window end must be after its start/);
  });

  it('given a proposed correction, the preview history has it on top while the original is untouched', () => {
    const h = costHistoryOf('p1', 'gpt-x', [set(1, '2026-01-01T00:00:00.000Z', cost('1'))]);
    const proposed = withProposedCorrection(h, {
      correctionId: 'p',
      fromMs: ms('2026-01-02T00:00:00.000Z'),
      toMs: null,
      value: cost('8'),
      reason: 'r',
      rerate: false,
      actor: 'a',
      atMs: 0,
    });
    expect(effectiveCostAt(proposed, ms('2026-01-03T00:00:00.000Z'))?.value).toEqual(cost('8'));
    expect(effectiveCostAt(h, ms('2026-01-03T00:00:00.000Z'))?.value).toEqual(cost('1'));
  });

  it('turns a catalog cost into money prices, a null cached price meaning "same as input"', () => {
    expect(tokenPricesOf(cost('1', '2'))).toEqual({ inputPerMillion: '1', outputPerMillion: '2' });
    expect(
      tokenPricesOf({ inputPerMillion: '1', cachedInputPerMillion: '0.1', outputPerMillion: '2' }),
    ).toEqual({
      inputPerMillion: '1',
      cachedInputPerMillion: '0.1',
      outputPerMillion: '2',
    });
  });
});

describe('price history', () => {
  const priceSet = (
    version: number,
    effectiveAt: string,
    markupPercent: string,
  ): { type: 'SellPriceSet'; data: SellPriceSet } => ({
    type: 'SellPriceSet',
    data: {
      alias: 'fast',
      version,
      effectiveAt,
      price: { kind: 'markup', markupPercent },
      actor: 'a',
      at: effectiveAt,
    },
  });
  const priceCorrected = (
    correctionId: string,
    from: string,
    to: string | null,
  ): { type: 'PriceCorrected'; data: PriceCorrected } => ({
    type: 'PriceCorrected',
    data: {
      correctionId,
      alias: 'fast',
      from,
      to,
      price: {
        kind: 'per_million',
        inputPerMillion: '1',
        cachedInputPerMillion: null,
        outputPerMillion: '4',
      },
      reason: 'typo',
      rerate: true,
      actor: 'a',
      at: '2026-03-01T00:00:00.000Z',
    },
  });

  it('given a price correction splitting a day, the corrected price applies inside the window only', () => {
    const h = priceHistoryOf('fast', [
      priceSet(1, '2026-01-01T00:00:00.000Z', '20'),
      priceCorrected('pc1', '2026-01-10T08:00:00.000Z', '2026-01-10T20:00:00.000Z'),
    ]);
    expect(effectivePriceAt(h, ms('2026-01-10T07:00:00.000Z'))?.value).toEqual({
      kind: 'markup',
      markupPercent: '20',
    });
    expect(effectivePriceAt(h, ms('2026-01-10T08:00:00.000Z'))?.source).toEqual({
      kind: 'correction',
      correctionId: 'pc1',
    });
    expect(effectivePriceAt(h, ms('2026-01-10T20:00:00.000Z'))?.source).toEqual({
      kind: 'version',
      version: 1,
    });
  });

  it('given a price event for another alias, folding refuses it', () => {
    const other = priceSet(1, '2026-01-01T00:00:00.000Z', '1');
    other.data.alias = 'slow';
    expect(() => priceHistoryOf('fast', [other])).toThrow(HistoryMismatchError);
  });
});
