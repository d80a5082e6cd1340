import { DeciderSpecification } from '@tollgate/ledger';
import { parseCatalogEvent } from '../parse';
import type { RegisterProvider, RotateProviderKey, UpdateProvider } from './commands';
import { providerDecider, type ProviderEvent } from './decider';

const spec = DeciderSpecification(providerDecider, {
  parse: (type, data) => parseCatalogEvent(type, data) as ProviderEvent | null,
});
const T0 = '2026-03-01T10:00:00.000Z';
const stamp = { actor: 'admin-1', now: T0 };

const register = (o: Partial<RegisterProvider> = {}): RegisterProvider => ({
  type: 'RegisterProvider',
  providerId: 'prov-1',
  name: 'OpenAI EU',
  baseUrl: 'https://eu.example.com/v1',
  apiKeySealed: 'v1:sealed-a',
  region: 'eu',
  ...stamp,
  ...o,
});
const update = (o: Partial<UpdateProvider> = {}): UpdateProvider => ({
  type: 'UpdateProvider',
  providerId: 'prov-1',
  name: 'OpenAI EU',
  baseUrl: 'https://eu2.example.com/v1',
  region: 'eu',
  ...stamp,
  ...o,
});
const rotate = (o: Partial<RotateProviderKey> = {}): RotateProviderKey => ({
  type: 'RotateProviderKey',
  providerId: 'prov-1',
  apiKeySealed: 'v1:sealed-b',
  ...stamp,
  ...o,
});
const registered: ProviderEvent = {
  type: 'ProviderRegistered',
  data: {
    providerId: 'prov-1',
    name: 'OpenAI EU',
    kind: 'openai_compatible',
    baseUrl: 'https://eu.example.com/v1',
    apiKeySealed: 'v1:sealed-a',
    region: 'eu',
    actor: 'admin-1',
    at: T0,
  },
};

describe('provider decider', () => {
  it('given no provider, when registered, then ProviderRegistered carries the sealed key and region', () => {
    spec.given([]).when(register()).then([registered]);
  });

  it('given a registered provider, when the same registration is retried, then nothing new is appended', () => {
    spec
      .given([registered])
      .when(register({ apiKeySealed: 'v1:sealed-again' }))
      .thenNothing();
  });

  it('given a registered provider, when registered again with other details, then PROVIDER_ALREADY_EXISTS', () => {
    spec
      .given([registered])
      .when(register({ baseUrl: 'https://other.example.com/v1' }))
      .thenThrows('PROVIDER_ALREADY_EXISTS', { providerId: 'prov-1' });
  });

  it('given a registered provider, when its base URL changes, then ProviderUpdated', () => {
    spec
      .given([registered])
      .when(update())
      .then([
        {
          type: 'ProviderUpdated',
          data: {
            providerId: 'prov-1',
            name: 'OpenAI EU',
            baseUrl: 'https://eu2.example.com/v1',
            region: 'eu',
            actor: 'admin-1',
            at: T0,
          },
        },
      ]);
  });

  it('given a registered provider, when updated with what it already has, then nothing (re-applying is silent)', () => {
    spec
      .given([registered])
      .when(update({ baseUrl: 'https://eu.example.com/v1' }))
      .thenNothing();
  });

  it('given a provider whose region was removed, when updated back to the old details, then the region change is an update', () => {
    spec
      .given([registered])
      .when(update({ baseUrl: 'https://eu.example.com/v1', region: null }))
      .thenTypes(['ProviderUpdated']);
  });

  it('given no provider, when updated or its key rotated, then PROVIDER_NOT_FOUND', () => {
    spec.given([]).when(update()).thenThrows('PROVIDER_NOT_FOUND', { providerId: 'prov-1' });
    spec.given([]).when(rotate()).thenThrows('PROVIDER_NOT_FOUND', { providerId: 'prov-1' });
  });

  it('given a registered provider, when its key is rotated, then ProviderKeyRotated holds only the sealed key', () => {
    spec
      .given([registered])
      .when(rotate())
      .then([
        {
          type: 'ProviderKeyRotated',
          data: { providerId: 'prov-1', apiKeySealed: 'v1:sealed-b', actor: 'admin-1', at: T0 },
        },
      ]);
  });
});
