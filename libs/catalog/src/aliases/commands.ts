import type { CommandActor } from '../command-base';
import type { AliasStatus, DeploymentSpec, MarginReviewLine } from '../events';

/** Commands of the `alias-{alias}` stream. */

/**
 * Creates the alias (as a draft) or replaces its routing table. Deployment ids are proposed by the
 * caller; a deployment that already exists (same provider and upstream model) keeps its id, because
 * circuit breakers and usage rows refer to it.
 */
export interface DefineAlias extends CommandActor {
  type: 'DefineAlias';
  alias: string;
  policy: 'priority' | 'cost';
  defaultMaxOutputTokens: number | null;
  deployments: DeploymentSpec[];
}

/** The margin review the caller computed from the cost and price in force (see margin-review.ts). */
export interface MarginReview {
  thresholdPercent: string;
  lines: MarginReviewLine[];
}

export interface ChangeAliasStatus extends CommandActor {
  type: 'ChangeAliasStatus';
  alias: string;
  to: AliasStatus;
  reason: string;
  /** Required to open: one line per current deployment. */
  review: MarginReview | null;
  /** Opens despite a blocking margin (admins only; the caller checks the role). */
  overrideReason: string | null;
}

/** A cost, price or routing change left a margin below the threshold. */
export interface FlagAliasMargin extends CommandActor {
  type: 'FlagAliasMargin';
  alias: string;
  review: MarginReview;
  /** Pause an open alias as well (TOLLGATE_PAUSE_ON_LOW_MARGIN). */
  pause: boolean;
}

export type AliasCommand = DefineAlias | ChangeAliasStatus | FlagAliasMargin;
