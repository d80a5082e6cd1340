import { DeciderSpecification } from '@tollgate/ledger';
import { parseCatalogEvent } from '../parse';
import type { SetSellPrice } from './commands';
import { sellPriceDecider, type SellPriceEvent } from './decider';

const spec = DeciderSpecification(sellPriceDecider, {
  parse: (type, data) => parseCatalogEvent(type, data) as SellPriceEvent | null,
});
const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-02T10:00:00.000Z';

const set = (o: Partial<SetSellPrice> = {}): SetSellPrice => ({
  type: 'SetSellPrice',
  alias: 'chat/fast',
  price: { kind: 'markup', markupPercent: '40' },
  effectiveAt: null,
  actor: 'admin-1',
  now: T0,
  ...o,
});
const v1: SellPriceEvent = {
  type: 'SellPriceSet',
  data: {
    alias: 'chat/fast',
    version: 1,
    effectiveAt: T0,
    price: { kind: 'markup', markupPercent: '40' },
    actor: 'admin-1',
    at: T0,
  },
};

describe('sell price decider', () => {
  it('given no price, when a markup is set, then version 1 effective now', () => {
    spec.given([]).when(set()).then([v1]);
  });

  it('given a markup, when switched to explicit per-million prices, then version 2', () => {
    const price = {
      kind: 'per_million' as const,
      inputPerMillion: '1',
      cachedInputPerMillion: null,
      outputPerMillion: '3',
    };
    spec
      .given([v1])
      .when(set({ price, now: T1 }))
      .then([{ type: 'SellPriceSet', data: { ...v1.data, version: 2, effectiveAt: T1, price, at: T1 } }]);
  });

  it('given the price in force, when set again, then nothing is appended', () => {
    spec
      .given([v1])
      .when(set({ now: T1 }))
      .thenNothing();
  });

  it('given a markup of -100% or less, when set, then INVALID_MARKUP (it would sell for nothing or less)', () => {
    spec
      .given([])
      .when(set({ price: { kind: 'markup', markupPercent: '-100' } }))
      .thenThrows('INVALID_MARKUP', { field: 'markupPercent' });
  });

  it('given a past effective time, when set, then INVALID_EFFECTIVE_AT', () => {
    spec
      .given([])
      .when(set({ effectiveAt: '2025-01-01T00:00:00.000Z' }))
      .thenThrows('INVALID_EFFECTIVE_AT');
  });
});
