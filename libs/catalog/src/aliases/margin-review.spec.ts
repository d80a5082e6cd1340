import { blockingLines, marginPercent, pricePerMillion, reviewLines } from './margin-review';

const COST = { inputPerMillion: '0.5', cachedInputPerMillion: '0.25', outputPerMillion: '1.5' };

describe('margin review (reference mix: 600k input, 100k cached, 300k output)', () => {
  it('given a 40% markup, when reviewed, then the margin is 40/140 of the price, rounded down: 28.57%', () => {
    const price = pricePerMillion({ kind: 'markup', markupPercent: '40' }, COST);
    expect(price).toEqual({ inputPerMillion: '0.7', cachedInputPerMillion: '0.35', outputPerMillion: '2.1' });
    expect(marginPercent(COST, price)).toBe('28.57');
  });

  it('given an explicit price below cost, when reviewed, then the margin is negative and rounded toward minus infinity', () => {
    // cost 0.3 + 0.025 + 0.45 = 0.775; price 0.24 + 0.04 + 0.36 = 0.64 → −21.09375 %.
    const price = { inputPerMillion: '0.4', cachedInputPerMillion: null, outputPerMillion: '1.2' };
    expect(marginPercent(COST, price)).toBe('-21.10');
  });

  it('given no cost (markup) or a zero price, when reviewed, then the margin is unknown', () => {
    expect(pricePerMillion({ kind: 'markup', markupPercent: '40' }, null)).toBeNull();
    expect(marginPercent(null, COST)).toBeNull();
    const free = { inputPerMillion: '0', cachedInputPerMillion: null, outputPerMillion: '0' };
    expect(marginPercent(COST, free)).toBeNull();
  });

  it('given lines at, above and below a 10% threshold, when checked, then unknown and lower margins block', () => {
    const deployments = ['a', 'b', 'c'].map((id) => ({
      deploymentId: id,
      providerId: `p-${id}`,
      upstreamModel: 'm',
      priority: 0,
      weight: 1,
    }));
    const costs: Record<string, typeof COST | null> = {
      a: COST,
      b: { ...COST, outputPerMillion: '2.2' },
      c: null,
    };
    const lines = reviewLines(deployments, (d) => costs[d.deploymentId], {
      kind: 'per_million',
      inputPerMillion: '0.7',
      cachedInputPerMillion: '0.35',
      outputPerMillion: '2.1',
    });
    expect(lines.map((l) => l.marginPercent)).toEqual(['28.57', '9.21', null]);
    expect(blockingLines(lines, '10').map((l) => l.deploymentId)).toEqual(['b', 'c']);
    expect(blockingLines(lines, '30').map((l) => l.deploymentId)).toEqual(['a', 'b', 'c']);
  });
});
