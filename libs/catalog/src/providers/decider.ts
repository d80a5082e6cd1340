import type { Decider, DomainError } from '@tollgate/event-store';
import { rejected } from '../command-base';
import type { ProviderKeyRotated, ProviderRegistered, ProviderUpdated } from '../events';
import type { ProviderCommand } from './commands';

export type ProviderEvent =
  | { type: 'ProviderRegistered'; data: ProviderRegistered }
  | { type: 'ProviderUpdated'; data: ProviderUpdated }
  | { type: 'ProviderKeyRotated'; data: ProviderKeyRotated };

export type ProviderState =
  | { status: 'none' }
  | { status: 'registered'; providerId: string; name: string; baseUrl: string; region: string | null };

/**
 * One provider per stream. Registering again with the same details is a retry (nothing new); an update
 * that changes nothing appends nothing, so applying a catalog file twice is silent.
 */
export const providerDecider: Decider<ProviderCommand, ProviderEvent, ProviderState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state): readonly ProviderEvent[] | DomainError {
    const stamp = { actor: command.actor, at: command.now };
    switch (command.type) {
      case 'RegisterProvider': {
        if (state.status === 'registered') {
          const same =
            state.name === command.name &&
            state.baseUrl === command.baseUrl &&
            state.region === command.region;
          return same
            ? []
            : rejected('PROVIDER_ALREADY_EXISTS', `provider ${command.providerId} already exists`, {
                providerId: command.providerId,
              });
        }
        return [
          {
            type: 'ProviderRegistered',
            data: {
              providerId: command.providerId,
              name: command.name,
              kind: 'openai_compatible',
              baseUrl: command.baseUrl,
              apiKeySealed: command.apiKeySealed,
              region: command.region,
              ...stamp,
            },
          },
        ];
      }
      case 'UpdateProvider': {
        if (state.status !== 'registered')
          return rejected('PROVIDER_NOT_FOUND', `no provider ${command.providerId}`, {
            providerId: command.providerId,
          });
        if (
          state.name === command.name &&
          state.baseUrl === command.baseUrl &&
          state.region === command.region
        )
          return [];
        return [
          {
            type: 'ProviderUpdated',
            data: {
              providerId: command.providerId,
              name: command.name,
              baseUrl: command.baseUrl,
              region: command.region,
              ...stamp,
            },
          },
        ];
      }
      case 'RotateProviderKey': {
        if (state.status !== 'registered')
          return rejected('PROVIDER_NOT_FOUND', `no provider ${command.providerId}`, {
            providerId: command.providerId,
          });
        return [
          {
            type: 'ProviderKeyRotated',
            data: { providerId: command.providerId, apiKeySealed: command.apiKeySealed, ...stamp },
          },
        ];
      }
      default: {
        const never: never = command;
        throw new Error(`unknown provider command ${JSON.stringify(never)}`);
      }
    }
  },

  evolve(state, event): ProviderState {
    switch (event.type) {
      case 'ProviderRegistered':
      case 'ProviderUpdated':
        return {
          status: 'registered',
          providerId: event.data.providerId,
          name: event.data.name,
          baseUrl: event.data.baseUrl,
          region: event.data.region,
        };
      case 'ProviderKeyRotated':
        return state;
      default: {
        const never: never = event;
        throw new Error(`unknown provider event ${JSON.stringify(never)}`);
      }
    }
  },
};
