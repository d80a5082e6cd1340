/** What the router needs to know about a deployment: an alias lists them in its catalog entry. */
export interface RoutableDeployment {
  id: string;
  /** Lower is tried first. */
  priority: number;
  /** Relative share within its priority group; 0 = only after the others of the group. */
  weight: number;
}

export type RoutingPolicy = 'priority' | 'cost';

export interface OrderOptions<D extends RoutableDeployment> {
  policy: RoutingPolicy;
  /** Uniform in [0, 1): injectable so tests are deterministic. */
  random: () => number;
  /** Estimated cost of this request on a deployment; null when unknown (sorted last). Used by `cost`. */
  costOf?: (deployment: D) => bigint | null;
}

/** At most this many deployments per alias are considered: a bound on work per request. */
export const MAX_DEPLOYMENTS_PER_ALIAS = 16;

/**
 * The order in which to try an alias's deployments.
 * - `priority`: groups by ascending priority; within a group a weighted random order.
 * - `cost`: cheapest estimated cost first; equal costs fall back to the priority order.
 * Health (circuit breakers) is checked when an attempt is made, so an open deployment is skipped and
 * the next in this order is tried.
 */
export function orderDeployments<D extends RoutableDeployment>(
  deployments: readonly D[],
  options: OrderOptions<D>,
): D[] {
  const bounded =
    deployments.length > MAX_DEPLOYMENTS_PER_ALIAS
      ? deployments.slice(0, MAX_DEPLOYMENTS_PER_ALIAS)
      : deployments;
  const byPriority = priorityOrder(bounded, options.random);
  switch (options.policy) {
    case 'priority':
      return byPriority;
    case 'cost': {
      const costOf = options.costOf;
      if (!costOf) return byPriority;
      const rank = new Map<D, number>();
      byPriority.forEach((d, i) => rank.set(d, i));
      const costs = new Map<D, bigint | null>();
      for (const d of byPriority) costs.set(d, costOf(d));
      return byPriority.slice().sort((a, b) => {
        const ca = costs.get(a) ?? null;
        const cb = costs.get(b) ?? null;
        if (ca !== cb) {
          if (ca === null) return 1;
          if (cb === null) return -1;
          return ca < cb ? -1 : 1;
        }
        return (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
      });
    }
    default: {
      const never: never = options.policy;
      throw new Error(`unknown routing policy ${String(never)}`);
    }
  }
}

function priorityOrder<D extends RoutableDeployment>(deployments: readonly D[], random: () => number): D[] {
  if (deployments.length <= 1) return deployments.slice();
  const sorted = deployments.slice().sort((a, b) => a.priority - b.priority);
  const out: D[] = [];
  let start = 0;
  while (start < sorted.length) {
    let end = start + 1;
    while (end < sorted.length && sorted[end].priority === sorted[start].priority) end++;
    weightedShuffleInto(sorted.slice(start, end), random, out);
    start = end;
  }
  return out;
}

/** Weighted random order without replacement: each pick is proportional to the remaining weights. */
function weightedShuffleInto<D extends RoutableDeployment>(group: D[], random: () => number, out: D[]): void {
  const weighted = group.filter((d) => d.weight > 0);
  const unweighted = group.filter((d) => !(d.weight > 0));
  let total = weighted.reduce((sum, d) => sum + d.weight, 0);
  while (weighted.length > 0) {
    let r = random() * total;
    let i = 0;
    for (; i < weighted.length - 1; i++) {
      r -= weighted[i].weight;
      if (r < 0) break;
    }
    const [picked] = weighted.splice(i, 1);
    total -= picked.weight;
    out.push(picked);
  }
  out.push(...unweighted);
}
