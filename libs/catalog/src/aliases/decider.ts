import type { Decider, DomainError } from '@tollgate/event-store';
import { rejected } from '../command-base';
import type {
  AliasDefined,
  AliasMarginFlagged,
  AliasRoutingChanged,
  AliasStatus,
  AliasStatusChanged,
  DeploymentSpec,
} from '../events';
import { sameValue } from '../versioned-value';
import type { AliasCommand, ChangeAliasStatus, DefineAlias, FlagAliasMargin } from './commands';
import { blockingLines } from './margin-review';

export type AliasEvent =
  | { type: 'AliasDefined'; data: AliasDefined }
  | { type: 'AliasRoutingChanged'; data: AliasRoutingChanged }
  | { type: 'AliasStatusChanged'; data: AliasStatusChanged }
  | { type: 'AliasMarginFlagged'; data: AliasMarginFlagged };

export interface DefinedAlias {
  status: AliasStatus;
  alias: string;
  policy: 'priority' | 'cost';
  defaultMaxOutputTokens: number | null;
  deployments: DeploymentSpec[];
  /** Lines of the last flag since the alias was last opened (a repeated flag adds nothing). */
  flaggedLines: AliasMarginFlagged['lines'] | null;
}

export type AliasState = { status: 'none' } | DefinedAlias;

/** Which status may follow which; retired is final. */
export const ALIAS_TRANSITIONS: Readonly<Record<AliasStatus, readonly AliasStatus[]>> = {
  draft: ['in_review', 'retired'],
  in_review: ['open', 'draft', 'retired'],
  open: ['paused', 'retired'],
  paused: ['open', 'in_review', 'retired'],
  retired: [],
};

const routingKey = (d: Pick<DeploymentSpec, 'providerId' | 'upstreamModel'>): string =>
  `${d.providerId}\u0000${d.upstreamModel}`;

/** The proposed table with existing deployments' ids kept. */
function withStableIds(
  current: readonly DeploymentSpec[],
  proposed: readonly DeploymentSpec[],
): DeploymentSpec[] {
  const ids = new Map(current.map((d) => [routingKey(d), d.deploymentId]));
  return proposed.map((d) => ({ ...d, deploymentId: ids.get(routingKey(d)) ?? d.deploymentId }));
}

function defineAlias(command: DefineAlias, state: AliasState): readonly AliasEvent[] | DomainError {
  const keys = new Set(command.deployments.map(routingKey));
  if (keys.size !== command.deployments.length)
    return rejected('INVALID_DEPLOYMENTS', 'deployments: the same provider and upstream model appear twice', {
      field: 'deployments',
    });
  const ids = new Set(command.deployments.map((d) => d.deploymentId));
  if (ids.size !== command.deployments.length)
    return rejected('INVALID_DEPLOYMENTS', 'deployments: deployment ids must be unique', {
      field: 'deployments',
    });
  const routing = {
    alias: command.alias,
    policy: command.policy,
    defaultMaxOutputTokens: command.defaultMaxOutputTokens,
  };
  const stamp = { actor: command.actor, at: command.now };
  if (state.status === 'none')
    return [{ type: 'AliasDefined', data: { ...routing, deployments: command.deployments, ...stamp } }];
  if (state.status === 'retired')
    return rejected('ALIAS_RETIRED', `alias ${command.alias} is retired and cannot change`, {
      alias: command.alias,
    });
  const deployments = withStableIds(state.deployments, command.deployments);
  if (
    state.policy === command.policy &&
    state.defaultMaxOutputTokens === command.defaultMaxOutputTokens &&
    sameValue(state.deployments, deployments)
  )
    return [];
  return [{ type: 'AliasRoutingChanged', data: { ...routing, deployments, ...stamp } }];
}

function changeStatus(command: ChangeAliasStatus, state: AliasState): readonly AliasEvent[] | DomainError {
  if (state.status === 'none')
    return rejected('ALIAS_NOT_FOUND', `no alias ${command.alias}`, { alias: command.alias });
  if (state.status === command.to) return [];
  if (!ALIAS_TRANSITIONS[state.status].includes(command.to))
    return rejected(
      'INVALID_STATUS_TRANSITION',
      `alias ${command.alias}: cannot go from ${state.status} to ${command.to}`,
      {
        from: state.status,
        to: command.to,
      },
    );
  let review: AliasStatusChanged['review'] = null;
  if (command.to === 'open') {
    if (!command.review)
      return rejected('REVIEW_REQUIRED', `alias ${command.alias}: opening needs a margin review`, {
        alias: command.alias,
      });
    const reviewed = new Set(command.review.lines.map((l) => l.deploymentId));
    if (
      state.deployments.length === 0 ||
      reviewed.size !== state.deployments.length ||
      state.deployments.some((d) => !reviewed.has(d.deploymentId))
    )
      return rejected(
        'REVIEW_STALE',
        `alias ${command.alias}: the review does not cover the current deployments`,
        {
          alias: command.alias,
        },
      );
    const blocking = blockingLines(command.review.lines, command.review.thresholdPercent);
    if (blocking.length > 0 && !command.overrideReason)
      return rejected(
        'MARGIN_BELOW_THRESHOLD',
        `alias ${command.alias}: margin below ${command.review.thresholdPercent}% on ${blocking
          .map((l) => `${l.providerId}/${l.upstreamModel} (${l.marginPercent ?? 'unknown'}%)`)
          .join(', ')}; give an override reason to open anyway`,
        { alias: command.alias, deploymentIds: blocking.map((l) => l.deploymentId) },
      );
    review = {
      thresholdPercent: command.review.thresholdPercent,
      lines: command.review.lines,
      overrideReason: blocking.length > 0 ? command.overrideReason : null,
    };
  }
  return [
    {
      type: 'AliasStatusChanged',
      data: {
        alias: command.alias,
        from: state.status,
        to: command.to,
        reason: command.reason,
        review,
        actor: command.actor,
        at: command.now,
      },
    },
  ];
}

function flagMargin(command: FlagAliasMargin, state: AliasState): readonly AliasEvent[] | DomainError {
  if (state.status === 'none')
    return rejected('ALIAS_NOT_FOUND', `no alias ${command.alias}`, { alias: command.alias });
  // Drafts are not on sale yet (their review comes when opening); retired ones never again.
  if (state.status === 'draft' || state.status === 'retired') return [];
  const blocking = blockingLines(command.review.lines, command.review.thresholdPercent);
  if (blocking.length === 0) return [];
  if (state.flaggedLines && sameValue(state.flaggedLines, command.review.lines)) return [];
  const pause = command.pause && state.status === 'open';
  const stamp = { actor: command.actor, at: command.now };
  const events: AliasEvent[] = [
    {
      type: 'AliasMarginFlagged',
      data: {
        alias: command.alias,
        lines: command.review.lines,
        thresholdPercent: command.review.thresholdPercent,
        paused: pause,
        ...stamp,
      },
    },
  ];
  if (pause)
    events.push({
      type: 'AliasStatusChanged',
      data: {
        alias: command.alias,
        from: 'open',
        to: 'paused',
        reason: `margin below ${command.review.thresholdPercent}%`,
        review: null,
        ...stamp,
      },
    });
  return events;
}

/**
 * An alias (public model): its routing table and its lifecycle draft → in_review → open →
 * paused/retired. Opening checks the margin review the command carries; a later flag records a margin
 * that fell below the threshold (and may pause the alias).
 */
export const aliasDecider: Decider<AliasCommand, AliasEvent, AliasState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state): readonly AliasEvent[] | DomainError {
    switch (command.type) {
      case 'DefineAlias':
        return defineAlias(command, state);
      case 'ChangeAliasStatus':
        return changeStatus(command, state);
      case 'FlagAliasMargin':
        return flagMargin(command, state);
      default: {
        const never: never = command;
        throw new Error(`unknown alias command ${JSON.stringify(never)}`);
      }
    }
  },

  evolve(state, event): AliasState {
    switch (event.type) {
      case 'AliasDefined':
        return {
          status: 'draft',
          alias: event.data.alias,
          policy: event.data.policy,
          defaultMaxOutputTokens: event.data.defaultMaxOutputTokens,
          deployments: event.data.deployments,
          flaggedLines: null,
        };
      case 'AliasRoutingChanged':
        if (state.status === 'none') return state;
        return {
          ...state,
          policy: event.data.policy,
          defaultMaxOutputTokens: event.data.defaultMaxOutputTokens,
          deployments: event.data.deployments,
        };
      case 'AliasStatusChanged':
        if (state.status === 'none') return state;
        return {
          ...state,
          status: event.data.to,
          flaggedLines: event.data.to === 'open' ? null : state.flaggedLines,
        };
      case 'AliasMarginFlagged':
        if (state.status === 'none') return state;
        return { ...state, flaggedLines: event.data.lines };
      default: {
        const never: never = event;
        throw new Error(`unknown alias event ${JSON.stringify(never)}`);
      }
    }
  },
};
