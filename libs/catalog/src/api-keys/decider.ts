import type { Decider, DomainError } from '@tollgate/event-store';
import { rejected, sameList } from '../command-base';
import type { ApiKeyCreated, ApiKeyLimitsChanged, ApiKeyRevoked } from '../events';
import type { ApiKeyCommand, ApiKeyLimits } from './commands';

export type ApiKeyEvent =
  | { type: 'ApiKeyCreated'; data: ApiKeyCreated }
  | { type: 'ApiKeyLimitsChanged'; data: ApiKeyLimitsChanged }
  | { type: 'ApiKeyRevoked'; data: ApiKeyRevoked };

export type ApiKeyState =
  | { status: 'none' }
  | {
      status: 'active' | 'revoked';
      workspaceId: string;
      secretSha256: string;
      limits: ApiKeyLimits;
    };

function limitsData(
  l: ApiKeyLimits,
): Pick<ApiKeyCreated, 'allowedModels' | 'spendLimitNanocredits' | 'requestsPerMinute' | 'tokensPerMinute'> {
  return {
    allowedModels: l.allowedModels,
    spendLimitNanocredits: l.spendLimitNanocredits === null ? null : l.spendLimitNanocredits.toString(),
    requestsPerMinute: l.requestsPerMinute,
    tokensPerMinute: l.tokensPerMinute,
  };
}

function limitsOf(d: ReturnType<typeof limitsData>): ApiKeyLimits {
  return {
    allowedModels: d.allowedModels,
    spendLimitNanocredits: d.spendLimitNanocredits === null ? null : BigInt(d.spendLimitNanocredits),
    requestsPerMinute: d.requestsPerMinute,
    tokensPerMinute: d.tokensPerMinute,
  };
}

function sameLimits(a: ApiKeyLimits, b: ApiKeyLimits): boolean {
  return (
    sameList(a.allowedModels, b.allowedModels) &&
    a.spendLimitNanocredits === b.spendLimitNanocredits &&
    a.requestsPerMinute === b.requestsPerMinute &&
    a.tokensPerMinute === b.tokensPerMinute
  );
}

/**
 * A customer API key: created once (a retry with the same secret hash appends nothing), limits
 * changed while active, revoked for good. Keys of another workspace look absent.
 */
export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state): readonly ApiKeyEvent[] | DomainError {
    const stamp = { actor: command.actor, at: command.now };
    if (
      command.type !== 'CreateApiKey' &&
      (state.status === 'none' || state.workspaceId !== command.workspaceId)
    )
      return rejected('API_KEY_NOT_FOUND', `no API key ${command.keyId} in this workspace`, {
        keyId: command.keyId,
      });
    if (
      (command.type === 'ChangeApiKeyLimits' || command.type === 'CreateApiKey') &&
      command.spendLimitNanocredits !== null &&
      command.spendLimitNanocredits < 0n
    )
      return rejected('INVALID_SPEND_LIMIT', 'spendLimit: must not be negative', {
        field: 'spendLimitCredits',
      });
    switch (command.type) {
      case 'CreateApiKey': {
        if (state.status !== 'none')
          return state.secretSha256 === command.secretSha256
            ? []
            : rejected('API_KEY_ALREADY_EXISTS', `API key ${command.keyId} already exists`, {
                keyId: command.keyId,
              });
        return [
          {
            type: 'ApiKeyCreated',
            data: {
              keyId: command.keyId,
              workspaceId: command.workspaceId,
              accountId: command.accountId,
              name: command.name,
              prefix: command.prefix,
              secretSha256: command.secretSha256,
              ...limitsData(command),
              ...(command.adminTest ? { adminTest: true } : {}),
              ...stamp,
            },
          },
        ];
      }
      case 'ChangeApiKeyLimits': {
        if (state.status === 'revoked')
          return rejected('API_KEY_REVOKED', `API key ${command.keyId} is revoked`, { keyId: command.keyId });
        if (state.status === 'active' && sameLimits(state.limits, command)) return [];
        return [
          {
            type: 'ApiKeyLimitsChanged',
            data: {
              keyId: command.keyId,
              workspaceId: command.workspaceId,
              ...limitsData(command),
              ...stamp,
            },
          },
        ];
      }
      case 'RevokeApiKey':
        if (state.status === 'revoked') return [];
        return [
          {
            type: 'ApiKeyRevoked',
            data: { keyId: command.keyId, workspaceId: command.workspaceId, ...stamp },
          },
        ];
      default: {
        const never: never = command;
        throw new Error(`unknown API key command ${JSON.stringify(never)}`);
      }
    }
  },

  evolve(state, event): ApiKeyState {
    switch (event.type) {
      case 'ApiKeyCreated':
        return {
          status: 'active',
          workspaceId: event.data.workspaceId,
          secretSha256: event.data.secretSha256,
          limits: limitsOf(event.data),
        };
      case 'ApiKeyLimitsChanged':
        if (state.status === 'none') return state;
        return { ...state, limits: limitsOf(event.data) };
      case 'ApiKeyRevoked':
        if (state.status === 'none') return state;
        return { ...state, status: 'revoked' };
      default: {
        const never: never = event;
        throw new Error(`unknown API key event ${JSON.stringify(never)}`);
      }
    }
  },
};
