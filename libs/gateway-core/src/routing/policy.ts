import type { RoutingPolicy } from './router';

/** A workspace's provider policy as the gateway applies it (sets: O(1) per deployment). */
export interface ProviderPolicy {
  allowProviders: ReadonlySet<string> | null;
  denyProviders: ReadonlySet<string>;
  allowDeployments: ReadonlySet<string> | null;
  denyDeployments: ReadonlySet<string>;
  /** Only providers tagged with this region; null = any. */
  requiredRegion: string | null;
  /** Overrides each alias's routing policy; null = the alias's own. */
  routingPolicy: RoutingPolicy | null;
}

export interface ProviderPolicySpec {
  allowProviders: readonly string[] | null;
  denyProviders: readonly string[];
  allowDeployments: readonly string[] | null;
  denyDeployments: readonly string[];
  requiredRegion: string | null;
  routingPolicy: RoutingPolicy | null;
}

export function compileProviderPolicy(spec: ProviderPolicySpec): ProviderPolicy {
  return {
    allowProviders: spec.allowProviders === null ? null : new Set(spec.allowProviders),
    denyProviders: new Set(spec.denyProviders),
    allowDeployments: spec.allowDeployments === null ? null : new Set(spec.allowDeployments),
    denyDeployments: new Set(spec.denyDeployments),
    requiredRegion: spec.requiredRegion,
    routingPolicy: spec.routingPolicy,
  };
}

/** Why a policy excludes a deployment, or null when it may be used. */
export function policyExclusion(
  policy: ProviderPolicy,
  deploymentId: string,
  providerId: string,
  providerRegion: string | null | undefined,
): string | null {
  if (policy.denyDeployments.has(deploymentId)) return `deployment '${deploymentId}' is denied`;
  if (policy.allowDeployments !== null && !policy.allowDeployments.has(deploymentId))
    return `deployment '${deploymentId}' is not on the allow list`;
  if (policy.denyProviders.has(providerId)) return `provider '${providerId}' is denied`;
  if (policy.allowProviders !== null && !policy.allowProviders.has(providerId))
    return `provider '${providerId}' is not on the allow list`;
  if (policy.requiredRegion !== null && providerRegion !== policy.requiredRegion)
    return `provider '${providerId}' is not tagged '${policy.requiredRegion}'`;
  return null;
}

/**
 * The deployments a policy lets through, in their given order. Routing and fallback only ever see
 * this list, so an excluded deployment is never tried, whatever fails. `excluded` explains the rest.
 */
export function applyProviderPolicy<D extends { id: string; providerId: string }>(
  policy: ProviderPolicy | null,
  deployments: readonly D[],
  regionOf: (d: D) => string | null | undefined,
): { allowed: D[]; excluded: string[] } {
  if (policy === null) return { allowed: deployments as D[], excluded: [] };
  const allowed: D[] = [];
  const excluded: string[] = [];
  for (const d of deployments) {
    const why = policyExclusion(policy, d.id, d.providerId, regionOf(d));
    if (why === null) allowed.push(d);
    else excluded.push(why);
  }
  return { allowed, excluded };
}
