import type { Decider, DomainError } from '@tollgate/event-store';
import { rejected } from '../command-base';
import type { CostProfileSet, TokenCost } from '../events';
import { nextEffectiveAt, sameValue, type LatestVersion } from '../versioned-value';
import type { CostProfileCommand } from './commands';

export type CostProfileEvent = { type: 'CostProfileSet'; data: CostProfileSet };

export interface CostProfileState {
  latest: LatestVersion<TokenCost> | null;
}

/**
 * What a provider charges for one upstream model, as numbered versions with an effective time. Setting
 * the cost already in force (and no later effective time) appends nothing: re-applying is silent.
 */
export const costProfileDecider: Decider<CostProfileCommand, CostProfileEvent, CostProfileState> = {
  initialState: () => ({ latest: null }),

  decide(command, state): readonly CostProfileEvent[] | DomainError {
    switch (command.type) {
      case 'SetCostProfile': {
        const latest = state.latest;
        if (
          latest &&
          sameValue(latest.value, command.cost) &&
          (command.effectiveAt === null || Date.parse(command.effectiveAt) === Date.parse(latest.effectiveAt))
        )
          return [];
        const at = nextEffectiveAt(command.effectiveAt, command.now, latest);
        if ('error' in at) return rejected('INVALID_EFFECTIVE_AT', at.error, { field: 'effectiveAt' });
        return [
          {
            type: 'CostProfileSet',
            data: {
              providerId: command.providerId,
              upstreamModel: command.upstreamModel,
              version: (latest?.version ?? 0) + 1,
              effectiveAt: at.effectiveAt,
              cost: command.cost,
              actor: command.actor,
              at: command.now,
            },
          },
        ];
      }
      default: {
        const never: never = command.type;
        throw new Error(`unknown cost profile command ${String(never)}`);
      }
    }
  },

  evolve(_state, event): CostProfileState {
    switch (event.type) {
      case 'CostProfileSet':
        return {
          latest: {
            version: event.data.version,
            effectiveAt: event.data.effectiveAt,
            value: event.data.cost,
          },
        };
      default: {
        const never: never = event.type;
        throw new Error(`unknown cost profile event ${String(never)}`);
      }
    }
  },
};
