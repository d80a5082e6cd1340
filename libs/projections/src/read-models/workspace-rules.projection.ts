import type { RecordedEvent } from '@tollgate/event-store';
import { parseWorkspaceRulesEvent, type WorkspaceRulesEvent } from '@tollgate/catalog';
import type { AnyProjection, DecodedEvent, ProjectionContext, SqlStatement } from '../runtime/projection';

export const WORKSPACE_RULES_PROJECTION = 'workspace_rules';

type RulesEvent = Extract<WorkspaceRulesEvent, { type: 'WorkspacePolicySet' | 'WorkspaceQuotasSet' }>;

/** The types `projectBatch` has a case for (the runner reads only these). */
const HANDLED: ReadonlySet<string> = new Set<RulesEvent['type']>([
  'WorkspacePolicySet',
  'WorkspaceQuotasSet',
]);

/**
 * Per workspace, the provider policy and quotas in force (the last WorkspacePolicySet and
 * WorkspaceQuotasSet of its `workspace-policy-{id}` stream) with who set them and when. The gateway
 * loads its rules cache from here; `revision` (the stream revision) lets it ignore an older row than
 * what it already has. Policy and quotas are stored as JSON in the events' own shape.
 */
export const workspaceRulesProjection: AnyProjection = {
  name: WORKSPACE_RULES_PROJECTION,
  version: 1,
  tables: [
    {
      base: 'workspace_rules',
      orderBy: 'workspace_id',
      ddl: (t) => [
        `CREATE TABLE ${t('workspace_rules')} (
           workspace_id text PRIMARY KEY,
           policy jsonb,
           policy_set_by text,
           policy_set_at timestamptz,
           quotas jsonb,
           quotas_set_by text,
           quotas_set_at timestamptz,
           revision bigint NOT NULL,
           updated_at timestamptz NOT NULL
         )`,
      ],
    },
  ],
  handles: (type) => HANDLED.has(type),
  eventTypes: [...HANDLED],
  decode(event: RecordedEvent): RulesEvent | null {
    const parsed = parseWorkspaceRulesEvent(event.type, event.data);
    if (!parsed || parsed.type === 'LowBalanceAlertsSet') return null;
    return parsed;
  },
  async projectBatch(
    events: readonly DecodedEvent<RulesEvent>[],
    ctx: ProjectionContext,
  ): Promise<SqlStatement[]> {
    const table = ctx.t('workspace_rules');
    const out: SqlStatement[] = [];
    for (const { event, recorded } of events) {
      const revision = recorded.revision.toString();
      switch (event.type) {
        case 'WorkspacePolicySet': {
          const { workspaceId, actor, at, eventVersion: _v, ...policy } = event.data;
          out.push({
            sql: `INSERT INTO ${table} AS w (workspace_id, policy, policy_set_by, policy_set_at, revision, updated_at)
                  VALUES ($1, $2::jsonb, $3, $4, $5, $4)
                  ON CONFLICT (workspace_id) DO UPDATE SET policy = excluded.policy,
                    policy_set_by = excluded.policy_set_by, policy_set_at = excluded.policy_set_at,
                    revision = GREATEST(w.revision, excluded.revision), updated_at = excluded.updated_at`,
            params: [workspaceId, JSON.stringify(policy), actor, at, revision],
          });
          break;
        }
        case 'WorkspaceQuotasSet': {
          const { workspaceId, actor, at, eventVersion: _v, ...quotas } = event.data;
          out.push({
            sql: `INSERT INTO ${table} AS w (workspace_id, quotas, quotas_set_by, quotas_set_at, revision, updated_at)
                  VALUES ($1, $2::jsonb, $3, $4, $5, $4)
                  ON CONFLICT (workspace_id) DO UPDATE SET quotas = excluded.quotas,
                    quotas_set_by = excluded.quotas_set_by, quotas_set_at = excluded.quotas_set_at,
                    revision = GREATEST(w.revision, excluded.revision), updated_at = excluded.updated_at`,
            params: [workspaceId, JSON.stringify(quotas), actor, at, revision],
          });
          break;
        }
        default: {
          const never: never = event;
          throw new Error(`unexpected event ${JSON.stringify(never)}`);
        }
      }
    }
    return out;
  },
};
