import { DeciderSpecification } from '@tollgate/ledger';
import type { SetWorkspacePolicy } from './commands';
import { workspacePolicyDecider } from './decider';
import { parseWorkspaceRulesEvent, type WorkspaceRulesEvent } from './events';

const spec = DeciderSpecification(workspacePolicyDecider, { parse: parseWorkspaceRulesEvent });
const T0 = '2026-03-01T10:00:00.000Z';

const command = (o: Partial<SetWorkspacePolicy> = {}): SetWorkspacePolicy => ({
  type: 'SetWorkspacePolicy',
  workspaceId: 'ws-1',
  allowProviders: null,
  denyProviders: ['prov-us'],
  allowDeployments: null,
  denyDeployments: [],
  requiredRegion: 'eu',
  routingPolicy: 'cost',
  actor: 'admin-1',
  now: T0,
  ...o,
});

const policySet = (o: Partial<SetWorkspacePolicy> = {}): WorkspaceRulesEvent => {
  const c = command(o);
  return {
    type: 'WorkspacePolicySet',
    data: {
      workspaceId: c.workspaceId,
      allowProviders: c.allowProviders === null ? null : [...c.allowProviders],
      denyProviders: [...c.denyProviders],
      allowDeployments: c.allowDeployments === null ? null : [...c.allowDeployments],
      denyDeployments: [...c.denyDeployments],
      requiredRegion: c.requiredRegion,
      routingPolicy: c.routingPolicy,
      actor: c.actor,
      at: c.now,
    },
  };
};

describe('workspace policy decider', () => {
  it('given no policy, when one is set, then WorkspacePolicySet records it with actor and time', () => {
    spec.given([]).when(command()).then([policySet()]);
  });

  it('given a policy, when the same policy is set again, then nothing is recorded', () => {
    spec
      .given([policySet()])
      .when(command({ now: '2026-03-02T00:00:00.000Z', actor: 'admin-2' }))
      .thenNothing();
  });

  it('given a policy, when a different one is set, then the new one is recorded whole', () => {
    spec
      .given([policySet()])
      .when(command({ allowDeployments: ['dep-a'], requiredRegion: null, routingPolicy: null }))
      .then([policySet({ allowDeployments: ['dep-a'], requiredRegion: null, routingPolicy: null })]);
  });

  it('given quotas on the same stream, when a policy is set, then the quotas do not count as a policy', () => {
    spec
      .given([
        {
          type: 'WorkspaceQuotasSet',
          data: {
            workspaceId: 'ws-1',
            requestsPerMinute: 5,
            tokensPerMinute: null,
            creditsPerDayNanocredits: null,
            creditsPerMonthNanocredits: null,
            concurrentRequests: null,
            timeZone: 'UTC',
            actor: 'a',
            at: T0,
          },
        },
      ])
      .when(command())
      .then([policySet()]);
  });

  it('when a provider is both allowed and denied, then INVALID_WORKSPACE_POLICY names the field', () => {
    spec
      .given([])
      .when(command({ allowProviders: ['prov-us', 'prov-eu'], denyProviders: ['prov-us'] }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'denyProviders' });
  });

  it('when a deployment is both allowed and denied, then it is refused', () => {
    spec
      .given([])
      .when(command({ allowDeployments: ['d1'], denyDeployments: ['d1'] }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'denyDeployments' });
  });

  it('when a list names an id twice or holds too many ids, then it is refused', () => {
    spec
      .given([])
      .when(command({ denyProviders: ['a', 'a'] }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'denyProviders' });
    spec
      .given([])
      .when(command({ denyDeployments: Array.from({ length: 501 }, (_, i) => `d${i}`) }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'denyDeployments' });
  });

  it('when the region is not a short tag or the routing policy is unknown, then it is refused', () => {
    spec
      .given([])
      .when(command({ requiredRegion: 'EU West!' }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'requiredRegion' });
    spec
      .given([])
      .when(command({ routingPolicy: 'fastest' as never }))
      .thenThrows('INVALID_WORKSPACE_POLICY', { field: 'routingPolicy' });
  });
});
