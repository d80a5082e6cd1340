import { DeciderSpecification } from '@tollgate/ledger';
import type { CorrectCostProfile, CorrectPrice, CorrectionCommand } from './commands';
import { correctionDecider, parseCorrectionEvent, type CorrectionEvent } from './decider';

const spec = DeciderSpecification(correctionDecider, { parse: parseCorrectionEvent });
const NOW = '2026-03-01T10:00:00.000Z';

const correctCost = (o: Partial<CorrectCostProfile> = {}): CorrectionCommand => ({
  type: 'CorrectCostProfile',
  correctionId: 'corr-1',
  providerId: 'p1',
  upstreamModel: 'gpt-x',
  from: '2026-02-10T12:00:00.000Z',
  to: '2026-02-10T18:00:00.000Z',
  cost: { inputPerMillion: '0.5', cachedInputPerMillion: null, outputPerMillion: '1.5' },
  reason: 'provider invoice shows a lower price',
  rerate: false,
  actor: 'admin-1',
  now: NOW,
  ...o,
});

const costCorrected = (c = correctCost() as CorrectCostProfile): CorrectionEvent => ({
  type: 'CostProfileCorrected',
  data: {
    correctionId: c.correctionId,
    providerId: c.providerId,
    upstreamModel: c.upstreamModel,
    from: c.from,
    to: c.to,
    cost: c.cost,
    reason: c.reason,
    rerate: c.rerate,
    actor: c.actor,
    at: c.now,
  },
});

const correctPrice = (o: Partial<CorrectPrice> = {}): CorrectionCommand => ({
  type: 'CorrectPrice',
  correctionId: 'corr-2',
  alias: 'fast',
  from: '2026-02-01T00:00:00.000Z',
  to: null,
  price: { kind: 'markup', markupPercent: '25' },
  reason: 'typo in the markup',
  rerate: true,
  actor: 'admin-1',
  now: NOW,
  ...o,
});

describe('correction decider', () => {
  it('given no correction yet, when a cost profile is corrected, then CostProfileCorrected is recorded', () => {
    spec.given([]).when(correctCost()).then([costCorrected()]);
  });

  it('given no correction yet, when a price is corrected with re-rating, then PriceCorrected carries rerate', () => {
    spec
      .given([])
      .when(correctPrice())
      .then([
        {
          type: 'PriceCorrected',
          data: {
            correctionId: 'corr-2',
            alias: 'fast',
            from: '2026-02-01T00:00:00.000Z',
            to: null,
            price: { kind: 'markup', markupPercent: '25' },
            reason: 'typo in the markup',
            rerate: true,
            actor: 'admin-1',
            at: NOW,
          },
        },
      ]);
  });

  it('given the correction applied, when the same correction is applied again (other actor, later), then nothing', () => {
    spec
      .given([costCorrected()])
      .when(
        correctCost({ actor: 'admin-2', now: '2026-03-02T00:00:00.000Z', from: '2026-02-10T13:00:00+01:00' }),
      )
      .thenNothing();
  });

  it('given the correction applied, when the same id comes with another cost, then CORRECTION_CONFLICT', () => {
    spec
      .given([costCorrected()])
      .when(
        correctCost({ cost: { inputPerMillion: '9', cachedInputPerMillion: null, outputPerMillion: '9' } }),
      )
      .thenThrows('CORRECTION_CONFLICT', { correctionId: 'corr-1' });
    spec
      .given([costCorrected()])
      .when(correctCost({ rerate: true }))
      .thenThrows('CORRECTION_CONFLICT');
  });

  it('when the window ends before it starts or starts in the future, then INVALID_CORRECTION_WINDOW', () => {
    spec
      .given([])
      .when(correctCost({ to: '2026-02-10T12:00:00.000Z' }))
      .thenThrows('INVALID_CORRECTION_WINDOW');
    spec
      .given([])
      .when(correctCost({ from: '2026-03-05T00:00:00.000Z', to: null }))
      .thenThrows('INVALID_CORRECTION_WINDOW');
  });

  it('when a price is not a decimal or the id is not plain, then INVALID_CORRECTION naming the field', () => {
    const bad = spec
      .given([])
      .when(
        correctCost({ cost: { inputPerMillion: '1,5', cachedInputPerMillion: null, outputPerMillion: '1' } }),
      )
      .thenThrows('INVALID_CORRECTION');
    expect(bad.message).toContain('cost.inputPerMillion');
    spec
      .given([])
      .when(correctCost({ correctionId: 'has space' }))
      .thenThrows('INVALID_CORRECTION');
  });
});
