import { DomainError, type Decider } from '@tollgate/event-store';
import { isoTimestamp } from '@tollgate/ledger';
import { ROUTING_POLICIES } from '../events';
import type { WorkspacePolicyCommand, SetWorkspacePolicy } from './commands';
import type { WorkspaceRulesEvent } from './events';
import { policyOf, type WorkspacePolicy } from './policy';

export interface WorkspacePolicyState {
  /** null until the first WorkspacePolicySet. */
  policy: WorkspacePolicy | null;
}

/** Bounds from the event schema, checked here so a bad command is a DomainError, not a bad event. */
const MAX_PROVIDERS = 200;
const MAX_DEPLOYMENTS = 500;
const MAX_ID = 200;
const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;

function invalid(message: string, field: string): DomainError {
  return new DomainError('INVALID_WORKSPACE_POLICY', message, { field });
}

function checkIds(ids: readonly string[], max: number, field: string): DomainError | null {
  if (ids.length > max) return invalid(`${field} lists more than ${max} entries`, field);
  const seen = new Set<string>();
  for (const id of ids) {
    if (id.length === 0 || id.length > MAX_ID)
      return invalid(`${field} holds an empty or too long id`, field);
    if (seen.has(id)) return invalid(`${field} lists '${id}' twice`, field);
    seen.add(id);
  }
  return null;
}

function validate(c: SetWorkspacePolicy): DomainError | null {
  if (!isoTimestamp.safeParse(c.now).success) return invalid('now is not an ISO timestamp', 'now');
  if (c.actor.length === 0 || c.actor.length > MAX_ID) return invalid('actor is required', 'actor');
  const lists: Array<[readonly string[] | null, number, string]> = [
    [c.allowProviders, MAX_PROVIDERS, 'allowProviders'],
    [c.denyProviders, MAX_PROVIDERS, 'denyProviders'],
    [c.allowDeployments, MAX_DEPLOYMENTS, 'allowDeployments'],
    [c.denyDeployments, MAX_DEPLOYMENTS, 'denyDeployments'],
  ];
  for (const [ids, max, field] of lists) {
    const err = ids === null ? null : checkIds(ids, max, field);
    if (err) return err;
  }
  // Allowing and denying the same thing is a mistake the operator should hear about, not a silent deny.
  const both = (allow: readonly string[] | null, deny: readonly string[]): string | undefined =>
    allow?.find((id) => deny.includes(id));
  const provider = both(c.allowProviders, c.denyProviders);
  if (provider) return invalid(`provider '${provider}' is both allowed and denied`, 'denyProviders');
  const deployment = both(c.allowDeployments, c.denyDeployments);
  if (deployment) return invalid(`deployment '${deployment}' is both allowed and denied`, 'denyDeployments');
  if (c.requiredRegion !== null && !REGION.test(c.requiredRegion))
    return invalid('requiredRegion must be a short lower-case tag such as "eu"', 'requiredRegion');
  if (c.routingPolicy !== null && !ROUTING_POLICIES.includes(c.routingPolicy))
    return invalid(`routingPolicy must be one of ${ROUTING_POLICIES.join(', ')}`, 'routingPolicy');
  return null;
}

function samePolicy(a: WorkspacePolicy, b: WorkspacePolicy): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A workspace's provider policy (`workspace-policy-{workspaceId}`). Setting the same policy again
 * records nothing, so retries and re-applied configuration are no-ops.
 */
export const workspacePolicyDecider: Decider<
  WorkspacePolicyCommand,
  WorkspaceRulesEvent,
  WorkspacePolicyState
> = {
  initialState: () => ({ policy: null }),
  decide(command, state) {
    switch (command.type) {
      case 'SetWorkspacePolicy': {
        const err = validate(command);
        if (err) return err;
        const next: WorkspacePolicy = {
          allowProviders: command.allowProviders === null ? null : [...command.allowProviders],
          denyProviders: [...command.denyProviders],
          allowDeployments: command.allowDeployments === null ? null : [...command.allowDeployments],
          denyDeployments: [...command.denyDeployments],
          requiredRegion: command.requiredRegion,
          routingPolicy: command.routingPolicy,
        };
        if (state.policy && samePolicy(state.policy, next)) return [];
        return [
          {
            type: 'WorkspacePolicySet',
            data: {
              workspaceId: command.workspaceId,
              allowProviders: next.allowProviders === null ? null : [...next.allowProviders],
              denyProviders: [...next.denyProviders],
              allowDeployments: next.allowDeployments === null ? null : [...next.allowDeployments],
              denyDeployments: [...next.denyDeployments],
              requiredRegion: next.requiredRegion,
              routingPolicy: next.routingPolicy,
              actor: command.actor,
              at: command.now,
            },
          },
        ];
      }
      default: {
        const never: never = command.type;
        return new DomainError('UNKNOWN_COMMAND', `unknown command ${String(never)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WorkspacePolicySet':
        return { policy: policyOf(event.data) };
      case 'WorkspaceQuotasSet':
      case 'LowBalanceAlertsSet':
        return state;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};
