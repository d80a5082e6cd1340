import { DeciderSpecification } from '@tollgate/ledger';
import { parseCatalogEvent } from '../parse';
import type { ChangeApiKeyLimits, CreateApiKey, RevokeApiKey } from './commands';
import { apiKeyDecider, type ApiKeyEvent } from './decider';

const spec = DeciderSpecification(apiKeyDecider, {
  parse: (type, data) => parseCatalogEvent(type, data) as ApiKeyEvent | null,
});
const T0 = '2026-03-01T10:00:00.000Z';
const HASH = 'a'.repeat(64);
const stamp = { actor: 'admin-1', now: T0 };
const limits = {
  allowedModels: null,
  spendLimitNanocredits: null,
  requestsPerMinute: null,
  tokensPerMinute: null,
};

const create = (o: Partial<CreateApiKey> = {}): CreateApiKey => ({
  type: 'CreateApiKey',
  keyId: 'key-1',
  workspaceId: 'ws-1',
  accountId: 'ws-1',
  name: 'ci',
  prefix: 'tg_abcdefghi',
  secretSha256: HASH,
  adminTest: false,
  ...limits,
  ...stamp,
  ...o,
});
const change = (o: Partial<ChangeApiKeyLimits> = {}): ChangeApiKeyLimits => ({
  type: 'ChangeApiKeyLimits',
  keyId: 'key-1',
  workspaceId: 'ws-1',
  ...limits,
  allowedModels: ['chat'],
  spendLimitNanocredits: 5_000_000_000n,
  ...stamp,
  ...o,
});
const revoke = (o: Partial<RevokeApiKey> = {}): RevokeApiKey => ({
  type: 'RevokeApiKey',
  keyId: 'key-1',
  workspaceId: 'ws-1',
  ...stamp,
  ...o,
});
const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    keyId: 'key-1',
    workspaceId: 'ws-1',
    accountId: 'ws-1',
    name: 'ci',
    prefix: 'tg_abcdefghi',
    secretSha256: HASH,
    allowedModels: null,
    spendLimitNanocredits: null,
    requestsPerMinute: null,
    tokensPerMinute: null,
    actor: 'admin-1',
    at: T0,
  },
};
const revoked: ApiKeyEvent = {
  type: 'ApiKeyRevoked',
  data: { keyId: 'key-1', workspaceId: 'ws-1', actor: 'admin-1', at: T0 },
};

describe('API key decider', () => {
  it('given no key, when created, then ApiKeyCreated with the hash only (no adminTest field on customer keys)', () => {
    spec.given([]).when(create()).then([created]);
  });

  it('given an admin test key, when created, then the event marks it adminTest', () => {
    spec
      .given([])
      .when(create({ adminTest: true }))
      .then([{ type: 'ApiKeyCreated', data: { ...created.data, adminTest: true } }]);
  });

  it('given a key, when the same creation is retried, then nothing; with another secret, API_KEY_ALREADY_EXISTS', () => {
    spec.given([created]).when(create()).thenNothing();
    spec
      .given([created])
      .when(create({ secretSha256: 'b'.repeat(64) }))
      .thenThrows('API_KEY_ALREADY_EXISTS');
  });

  it('given a negative spend limit, when created or changed, then INVALID_SPEND_LIMIT', () => {
    spec
      .given([])
      .when(create({ spendLimitNanocredits: -1n }))
      .thenThrows('INVALID_SPEND_LIMIT');
    spec
      .given([created])
      .when(change({ spendLimitNanocredits: -1n }))
      .thenThrows('INVALID_SPEND_LIMIT');
  });

  it('given a key, when its limits change, then ApiKeyLimitsChanged with the limit as an integer string', () => {
    spec
      .given([created])
      .when(change())
      .then([
        {
          type: 'ApiKeyLimitsChanged',
          data: {
            keyId: 'key-1',
            workspaceId: 'ws-1',
            allowedModels: ['chat'],
            spendLimitNanocredits: '5000000000',
            requestsPerMinute: null,
            tokensPerMinute: null,
            actor: 'admin-1',
            at: T0,
          },
        },
      ]);
  });

  it('given limits already in force (allow-list in another order), when set again, then nothing', () => {
    const [changed] = spec
      .given([created])
      .when(change({ allowedModels: ['a', 'b'] }))
      .thenTypes(['ApiKeyLimitsChanged']);
    spec
      .given([created, changed])
      .when(change({ allowedModels: ['b', 'a'] }))
      .thenNothing();
  });

  it('given a key of another workspace or none, when changed or revoked, then API_KEY_NOT_FOUND', () => {
    spec
      .given([created])
      .when(revoke({ workspaceId: 'ws-2' }))
      .thenThrows('API_KEY_NOT_FOUND', { keyId: 'key-1' });
    spec.given([]).when(change()).thenThrows('API_KEY_NOT_FOUND');
  });

  it('given a key, when revoked twice, then one ApiKeyRevoked', () => {
    spec.given([created]).when(revoke()).then([revoked]);
    spec.given([created, revoked]).when(revoke()).thenNothing();
  });

  it('given a revoked key, when its limits change, then API_KEY_REVOKED', () => {
    spec.given([created, revoked]).when(change()).thenThrows('API_KEY_REVOKED');
  });
});
