import type { ROUTING_POLICIES, WorkspacePolicySet } from '../events';

export type RoutingPolicyName = (typeof ROUTING_POLICIES)[number];

/** The provider policy in force for a workspace (the content of its last WorkspacePolicySet). */
export interface WorkspacePolicy {
  allowProviders: readonly string[] | null;
  denyProviders: readonly string[];
  allowDeployments: readonly string[] | null;
  denyDeployments: readonly string[];
  requiredRegion: string | null;
  routingPolicy: RoutingPolicyName | null;
}

export function policyOf(event: WorkspacePolicySet): WorkspacePolicy {
  return {
    allowProviders: event.allowProviders,
    denyProviders: event.denyProviders,
    allowDeployments: event.allowDeployments,
    denyDeployments: event.denyDeployments,
    requiredRegion: event.requiredRegion,
    routingPolicy: event.routingPolicy,
  };
}

/** Whether a policy restricts nothing (the same as having none). */
export function isOpenPolicy(p: WorkspacePolicy): boolean {
  return (
    p.allowProviders === null &&
    p.denyProviders.length === 0 &&
    p.allowDeployments === null &&
    p.denyDeployments.length === 0 &&
    p.requiredRegion === null &&
    p.routingPolicy === null
  );
}
