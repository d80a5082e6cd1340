import {
  parseWorkspaceRulesEvent,
  workspacePolicyDecider,
  workspaceQuotasDecider,
  workspaceRulesStream,
  type SetWorkspacePolicy,
  type SetWorkspaceQuotas,
  type WorkspaceRulesEvent,
} from '@tollgate/catalog';
import { handleCommand, type Decider } from '@tollgate/event-store';
import { dumpProjection } from '../runtime/dump';
import { rebuildProjections } from '../runtime/rebuild';
import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { workspaceRulesProjection } from './workspace-rules.projection';

const AT = '2026-11-27T09:00:00.000Z';

interface Row {
  workspace_id: string;
  policy: Record<string, unknown> | null;
  policy_set_by: string | null;
  quotas: Record<string, unknown> | null;
  quotas_set_by: string | null;
  revision: string;
}

describe('workspace_rules projection', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [workspaceRulesProjection],
      log: () => undefined,
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  async function run<C>(workspaceId: string, decider: Decider<C, WorkspaceRulesEvent, unknown>, command: C) {
    await handleCommand({
      store: env.store,
      streamId: workspaceRulesStream(workspaceId),
      decider,
      command,
      parse: (e) => parseWorkspaceRulesEvent(e.type, e.data)!,
    });
  }

  const policy = (o: Partial<SetWorkspacePolicy>): SetWorkspacePolicy => ({
    type: 'SetWorkspacePolicy',
    workspaceId: 'ws-1',
    allowProviders: null,
    denyProviders: [],
    allowDeployments: null,
    denyDeployments: [],
    requiredRegion: null,
    routingPolicy: null,
    actor: 'admin-token',
    now: AT,
    ...o,
  });
  const quotas = (o: Partial<SetWorkspaceQuotas>): SetWorkspaceQuotas => ({
    type: 'SetWorkspaceQuotas',
    workspaceId: 'ws-1',
    requestsPerMinute: null,
    tokensPerMinute: null,
    creditsPerDayNanocredits: null,
    creditsPerMonthNanocredits: null,
    concurrentRequests: null,
    timeZone: 'UTC',
    actor: 'admin-token',
    now: AT,
    ...o,
  });

  const rows = async (): Promise<Row[]> =>
    (
      await env.pool.query<Row>(
        `SELECT workspace_id, policy, policy_set_by, quotas, quotas_set_by, revision::text
           FROM workspace_rules ORDER BY workspace_id`,
      )
    ).rows;

  it('given policies and quotas set and replaced for two workspaces, then each row holds the latest of each with who set it and the stream revision; a rebuild gives the same table', async () => {
    await run('ws-1', workspacePolicyDecider, policy({ requiredRegion: 'eu' }));
    await run(
      'ws-1',
      workspaceQuotasDecider,
      quotas({ requestsPerMinute: 60, creditsPerDayNanocredits: 5_000_000_000n }),
    );
    await run('ws-1', workspacePolicyDecider, policy({ denyProviders: ['p-us'], actor: 'user:42' }));
    await run(
      'ws-2',
      workspaceQuotasDecider,
      quotas({ workspaceId: 'ws-2', concurrentRequests: 3, timeZone: 'Asia/Tokyo' }),
    );
    await waitForProjections(env.pool, env.store, [workspaceRulesProjection.name], { until: env.last() });
    expect(await rows()).toEqual([
      {
        workspace_id: 'ws-1',
        policy: {
          allowProviders: null,
          denyProviders: ['p-us'],
          allowDeployments: null,
          denyDeployments: [],
          requiredRegion: null,
          routingPolicy: null,
        },
        policy_set_by: 'user:42',
        quotas: {
          requestsPerMinute: 60,
          tokensPerMinute: null,
          creditsPerDayNanocredits: '5000000000',
          creditsPerMonthNanocredits: null,
          concurrentRequests: null,
          timeZone: 'UTC',
        },
        quotas_set_by: 'admin-token',
        revision: '2',
      },
      {
        workspace_id: 'ws-2',
        policy: null,
        policy_set_by: null,
        quotas: {
          requestsPerMinute: null,
          tokensPerMinute: null,
          creditsPerDayNanocredits: null,
          creditsPerMonthNanocredits: null,
          concurrentRequests: 3,
          timeZone: 'Asia/Tokyo',
        },
        quotas_set_by: 'admin-token',
        revision: '0',
      },
    ]);
    const live = await dumpProjection(env.pool, workspaceRulesProjection);
    await runner.stop();
    await rebuildProjections(env.pool, env.store, [workspaceRulesProjection]);
    expect(await dumpProjection(env.pool, workspaceRulesProjection)).toBe(live);
  });
});
