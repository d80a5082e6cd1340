import { createEventParser } from '@tollgate/ledger';
import {
  LowBalanceAlertsSetSchema,
  WorkspacePolicySetSchema,
  WorkspaceQuotasSetSchema,
  type LowBalanceAlertsSet,
  type WorkspacePolicySet,
  type WorkspaceQuotasSet,
} from '../events';

/**
 * The `workspace-policy-{workspaceId}` stream holds the gateway's per-workspace rules: provider policy
 * and quotas. Low-balance alerts live on `workspace-alerts-{workspaceId}` (libs/catalog/src/alerts); their
 * settings event is only tolerated here so an older stream that holds one still folds.
 */
export type WorkspaceRulesEvent =
  | { type: 'WorkspacePolicySet'; data: WorkspacePolicySet }
  | { type: 'WorkspaceQuotasSet'; data: WorkspaceQuotasSet }
  | { type: 'LowBalanceAlertsSet'; data: LowBalanceAlertsSet };

export function workspaceRulesStream(workspaceId: string): string {
  return `workspace-policy-${workspaceId}`;
}

/** Validates a stored event of the stream; null for a type this stream does not hold. */
export const parseWorkspaceRulesEvent: (type: string, data: unknown) => WorkspaceRulesEvent | null =
  createEventParser<WorkspaceRulesEvent>(
    {
      WorkspacePolicySet: WorkspacePolicySetSchema,
      WorkspaceQuotasSet: WorkspaceQuotasSetSchema,
      LowBalanceAlertsSet: LowBalanceAlertsSetSchema,
    },
    {},
    {},
  );
