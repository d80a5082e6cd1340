import { orderDeployments, RoutableDeployment } from './router';

interface D extends RoutableDeployment {
  costNanocredits: bigint | null;
}
const d = (id: string, priority: number, weight: number, costNanocredits: bigint | null = null): D => ({
  id,
  priority,
  weight,
  costNanocredits,
});

/** Deterministic RNG: cycles through the given values. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('routing order', () => {
  it('given deployments at two priorities, when ordered, then every lower priority comes first', () => {
    const order = orderDeployments([d('b1', 2, 1), d('a1', 1, 1), d('a2', 1, 1)], {
      policy: 'priority',
      random: Math.random,
    });
    expect(
      order
        .slice(0, 2)
        .map((x) => x.id)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect(order[2].id).toBe('b1');
  });

  it('given weights 3:1 in one group, when the RNG lands in the first 75%, then the heavier one is first', () => {
    const deployments = [d('heavy', 1, 3), d('light', 1, 1)];
    expect(
      orderDeployments(deployments, { policy: 'priority', random: sequence(0.74) }).map((x) => x.id),
    ).toEqual(['heavy', 'light']);
    expect(
      orderDeployments(deployments, { policy: 'priority', random: sequence(0.76) }).map((x) => x.id),
    ).toEqual(['light', 'heavy']);
  });

  it('given weights 3:1, when ordered 4000 times with a seeded RNG, then the heavier one leads about 75% of the time', () => {
    let seed = 42;
    const lcg = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let heavyFirst = 0;
    for (let i = 0; i < 4000; i++)
      if (
        orderDeployments([d('heavy', 1, 3), d('light', 1, 1)], { policy: 'priority', random: lcg })[0].id ===
        'heavy'
      )
        heavyFirst++;
    expect(heavyFirst / 4000).toBeGreaterThan(0.72);
    expect(heavyFirst / 4000).toBeLessThan(0.78);
  });

  it('given a weight-0 deployment, when ordered, then it comes after the weighted ones of its group', () => {
    const order = orderDeployments([d('zero', 1, 0), d('w', 1, 1), d('later', 2, 5)], {
      policy: 'priority',
      random: sequence(0.1),
    });
    expect(order.map((x) => x.id)).toEqual(['w', 'zero', 'later']);
  });

  it('given the cost policy, when ordered, then the cheapest comes first regardless of priority, unknown costs last', () => {
    const order = orderDeployments(
      [d('dear', 1, 1, 900n), d('unknown', 1, 1, null), d('cheap', 3, 1, 100n), d('mid', 2, 1, 500n)],
      {
        policy: 'cost',
        random: sequence(0.5),
        costOf: (x) => x.costNanocredits,
      },
    );
    expect(order.map((x) => x.id)).toEqual(['cheap', 'mid', 'dear', 'unknown']);
  });

  it('given equal costs under the cost policy, when ordered, then priority breaks the tie', () => {
    const order = orderDeployments([d('p2', 2, 1, 100n), d('p1', 1, 1, 100n)], {
      policy: 'cost',
      random: sequence(0.5),
      costOf: (x) => x.costNanocredits,
    });
    expect(order.map((x) => x.id)).toEqual(['p1', 'p2']);
  });
});
