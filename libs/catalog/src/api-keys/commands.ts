import type { CommandActor } from '../command-base';

/** Commands of the `api-key-{keyId}` stream. The secret never reaches a command: only its sha256. */
export interface ApiKeyLimits {
  allowedModels: string[] | null;
  spendLimitNanocredits: bigint | null;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export interface CreateApiKey extends CommandActor, ApiKeyLimits {
  type: 'CreateApiKey';
  keyId: string;
  workspaceId: string;
  accountId: string;
  name: string;
  prefix: string;
  secretSha256: string;
  adminTest: boolean;
}

export interface ChangeApiKeyLimits extends CommandActor, ApiKeyLimits {
  type: 'ChangeApiKeyLimits';
  keyId: string;
  workspaceId: string;
}

export interface RevokeApiKey extends CommandActor {
  type: 'RevokeApiKey';
  keyId: string;
  workspaceId: string;
}

export type ApiKeyCommand = CreateApiKey | ChangeApiKeyLimits | RevokeApiKey;
