import type { RoutingPolicyName } from './policy';

/** Replaces a workspace's provider policy as a whole (an empty policy lets everything through). */
export interface SetWorkspacePolicy {
  type: 'SetWorkspacePolicy';
  workspaceId: string;
  /** null = every provider not denied. */
  allowProviders: readonly string[] | null;
  denyProviders: readonly string[];
  /** null = every deployment not denied. */
  allowDeployments: readonly string[] | null;
  denyDeployments: readonly string[];
  /** Only providers tagged with this region (e.g. "eu"); null = any. */
  requiredRegion: string | null;
  /** null = each alias's own routing policy. */
  routingPolicy: RoutingPolicyName | null;
  actor: string;
  /** ISO time of the command (the decider never reads a clock). */
  now: string;
}

export type WorkspacePolicyCommand = SetWorkspacePolicy;
