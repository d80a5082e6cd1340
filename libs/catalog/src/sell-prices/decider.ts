import type { Decider, DomainError } from '@tollgate/event-store';
import { compareDecimals, parseDecimal } from '@tollgate/money';
import { rejected } from '../command-base';
import type { SellPriceSet, SellPriceSpec } from '../events';
import { nextEffectiveAt, sameValue, type LatestVersion } from '../versioned-value';
import type { SellPriceCommand } from './commands';

const HUNDRED_BELOW = parseDecimal('-100');

export type SellPriceEvent = { type: 'SellPriceSet'; data: SellPriceSet };

export interface SellPriceState {
  latest: LatestVersion<SellPriceSpec> | null;
}

/** What customers pay for an alias, as numbered versions; setting the price in force appends nothing. */
export const sellPriceDecider: Decider<SellPriceCommand, SellPriceEvent, SellPriceState> = {
  initialState: () => ({ latest: null }),

  decide(command, state): readonly SellPriceEvent[] | DomainError {
    switch (command.type) {
      case 'SetSellPrice': {
        const latest = state.latest;
        if (
          latest &&
          sameValue(latest.value, command.price) &&
          (command.effectiveAt === null || Date.parse(command.effectiveAt) === Date.parse(latest.effectiveAt))
        )
          return [];
        if (
          command.price.kind === 'markup' &&
          compareDecimals(parseDecimal(command.price.markupPercent), HUNDRED_BELOW) <= 0
        )
          return rejected('INVALID_MARKUP', 'markupPercent: must be above -100', { field: 'markupPercent' });
        const at = nextEffectiveAt(command.effectiveAt, command.now, latest);
        if ('error' in at) return rejected('INVALID_EFFECTIVE_AT', at.error, { field: 'effectiveAt' });
        return [
          {
            type: 'SellPriceSet',
            data: {
              alias: command.alias,
              version: (latest?.version ?? 0) + 1,
              effectiveAt: at.effectiveAt,
              price: command.price,
              actor: command.actor,
              at: command.now,
            },
          },
        ];
      }
      default: {
        const never: never = command.type;
        throw new Error(`unknown sell price command ${String(never)}`);
      }
    }
  },

  evolve(_state, event): SellPriceState {
    switch (event.type) {
      case 'SellPriceSet':
        return {
          latest: {
            version: event.data.version,
            effectiveAt: event.data.effectiveAt,
            value: event.data.price,
          },
        };
      default: {
        const never: never = event.type;
        throw new Error(`unknown sell price event ${String(never)}`);
      }
    }
  },
};
