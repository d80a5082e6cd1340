import { DeciderSpecification } from '@tollgate/ledger';
import { parseCatalogEvent } from '../parse';
import type { SetCostProfile } from './commands';
import { costProfileDecider, type CostProfileEvent } from './decider';

const spec = DeciderSpecification(costProfileDecider, {
  parse: (type, data) => parseCatalogEvent(type, data) as CostProfileEvent | null,
});
const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-02T10:00:00.000Z';
const COST = { inputPerMillion: '0.5', cachedInputPerMillion: '0.25', outputPerMillion: '1.5' };

const set = (o: Partial<SetCostProfile> = {}): SetCostProfile => ({
  type: 'SetCostProfile',
  providerId: 'prov-1',
  upstreamModel: 'gpt-4o-mini',
  cost: COST,
  effectiveAt: null,
  actor: 'admin-1',
  now: T0,
  ...o,
});
const v1: CostProfileEvent = {
  type: 'CostProfileSet',
  data: {
    providerId: 'prov-1',
    upstreamModel: 'gpt-4o-mini',
    version: 1,
    effectiveAt: T0,
    cost: COST,
    actor: 'admin-1',
    at: T0,
  },
};

describe('cost profile decider', () => {
  it('given no cost, when one is set without an effective time, then version 1 takes effect now', () => {
    spec.given([]).when(set()).then([v1]);
  });

  it('given version 1, when a different cost is set later, then version 2 effective then', () => {
    const higher = { ...COST, outputPerMillion: '2' };
    spec
      .given([v1])
      .when(set({ cost: higher, now: T1 }))
      .then([
        { type: 'CostProfileSet', data: { ...v1.data, version: 2, effectiveAt: T1, cost: higher, at: T1 } },
      ]);
  });

  it('given version 1, when the same cost is set again, then nothing is appended (apply is idempotent)', () => {
    spec
      .given([v1])
      .when(set({ now: T1 }))
      .thenNothing();
  });

  it('given a future effective time, when set, then the version is scheduled for it', () => {
    const [e] = spec
      .given([])
      .when(set({ effectiveAt: T1 }))
      .thenTypes(['CostProfileSet']);
    expect(e.data.effectiveAt).toBe(T1);
  });

  it('given an effective time in the past, when set, then INVALID_EFFECTIVE_AT (the past is changed by corrections)', () => {
    spec
      .given([])
      .when(set({ effectiveAt: '2026-02-01T00:00:00.000Z' }))
      .thenThrows('INVALID_EFFECTIVE_AT', { field: 'effectiveAt' });
  });

  it('given a version scheduled later, when a new one would take effect before it, then INVALID_EFFECTIVE_AT', () => {
    const scheduled: CostProfileEvent = { type: 'CostProfileSet', data: { ...v1.data, effectiveAt: T1 } };
    spec
      .given([scheduled])
      .when(set({ cost: { ...COST, inputPerMillion: '9' } }))
      .thenThrows('INVALID_EFFECTIVE_AT');
  });
});
