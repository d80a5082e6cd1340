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
 * The `workspace-policy-{workspaceId}` stream holds every per-workspace rule: provider policy, quotas
 * and low-balance alerts. Each rule has its own decider; each folds the others' events as no-ops.
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
