import { referenceMargin, REFERENCE_MIX } from './margin';

describe('referenceMargin (on the documented reference mix)', () => {
  // Reference mix: 600k uncached input, 100k cached input (at the input price here), 300k output.
  const cost = { inputPerMillion: '0.5', outputPerMillion: '1.5' };

  it('given the reference mix, then it is 600k uncached + 100k cached input and 300k output tokens', () => {
    expect(REFERENCE_MIX).toMatchObject({
      promptTokens: 700_000,
      cachedTokens: 100_000,
      completionTokens: 300_000,
    });
  });

  it('given a 40 % markup, when priced, then cost 0.8, price 1.12 and the margin is 28.57 % of the price', () => {
    // cost = 0.7 × 0.5 + 0.3 × 1.5 = 0.8; price = 0.8 × 1.4 = 1.12; 0.32 / 1.12 = 28.5714…% → 28.57
    expect(referenceMargin(cost, { kind: 'markup', markupPercent: '40' })).toEqual({
      costCredits: '0.800000000',
      priceCredits: '1.120000000',
      marginPercent: '28.57',
      profitCredits: '0.320000000',
      loss: false,
    });
  });

  it('given a cheaper cached-input cost, then the cached tokens are costed at it', () => {
    // cost = 0.6 × 0.5 + 0.1 × 0.1 + 0.3 × 1.5 = 0.76; fixed price 1 per 1M each way → 1.0; margin 24 %
    const m = referenceMargin(
      { inputPerMillion: '0.5', cachedInputPerMillion: '0.1', outputPerMillion: '1.5' },
      { kind: 'per_million', prices: { inputPerMillion: '1', outputPerMillion: '1' } },
    );
    expect(m).toMatchObject({
      costCredits: '0.760000000',
      priceCredits: '1.000000000',
      marginPercent: '24.00',
    });
  });

  it('given fixed per-million prices below cost, then the margin is negative, rounded down, and a loss', () => {
    // price = 0.7 × 0.4 + 0.3 × 1.3 = 0.67; (0.67 − 0.8) / 0.67 = −19.402…% → −19.41 (never shown better)
    const m = referenceMargin(cost, {
      kind: 'per_million',
      prices: { inputPerMillion: '0.4', outputPerMillion: '1.3' },
    });
    expect(m).toMatchObject({ priceCredits: '0.670000000', marginPercent: '-19.41', loss: true });
  });

  it('given a price of zero, then there is no margin percent (no division by zero) and it is a loss', () => {
    const m = referenceMargin(cost, {
      kind: 'per_million',
      prices: { inputPerMillion: '0', outputPerMillion: '0' },
    });
    expect(m).toMatchObject({ priceCredits: '0.000000000', marginPercent: null, loss: true });
  });

  it('given a markup but no cost profile, or no sell price, then no margin can be computed', () => {
    expect(referenceMargin(null, { kind: 'markup', markupPercent: '10' })).toBeNull();
    expect(referenceMargin(cost, null)).toBeNull();
  });
});
