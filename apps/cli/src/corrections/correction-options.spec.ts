import { correctionFromOptions, CorrectionUsageError } from './correction-options';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const base = { id: 'c1', from: '2026-02-10', reason: 'invoice' };

describe('correction flags', () => {
  it('given --provider/--model and per-million prices, then a cost correction from midnight UTC, open-ended, not re-rating', () => {
    expect(
      correctionFromOptions(
        { ...base, provider: 'p1', model: 'gpt-x', inputPerMillion: '1', outputPerMillion: '4' },
        NOW,
      ),
    ).toEqual({
      type: 'CorrectCostProfile',
      correctionId: 'c1',
      providerId: 'p1',
      upstreamModel: 'gpt-x',
      from: '2026-02-10T00:00:00.000Z',
      to: null,
      cost: { inputPerMillion: '1', cachedInputPerMillion: null, outputPerMillion: '4' },
      reason: 'invoice',
      rerate: false,
      actor: 'cli',
      now: NOW.toISOString(),
    });
  });

  it('given --alias and --markup with --rerate and an offset time, then a re-rating price correction in UTC', () => {
    expect(
      correctionFromOptions(
        { ...base, alias: 'fast', markup: '25', rerate: true, to: '2026-02-10T18:00:00+02:00', actor: 'ops' },
        NOW,
      ),
    ).toMatchObject({
      type: 'CorrectPrice',
      alias: 'fast',
      price: { kind: 'markup', markupPercent: '25' },
      to: '2026-02-10T16:00:00.000Z',
      rerate: true,
      actor: 'ops',
    });
  });

  it.each([
    [{ provider: 'p1' }, /--provider and --model/],
    [{ provider: 'p1', model: 'm', alias: 'a' }, /not both/],
    [{ alias: 'a', markup: '5', inputPerMillion: '1' }, /not both/],
    [{ alias: 'a' }, /--input-per-million/],
    [{}, /--alias/],
    [{ alias: 'a', markup: '5', from: '10/02/2026' }, /--from/],
    [{ alias: 'a', markup: '5', to: '2026-02-10T18:00:00' }, /--to.*offset/],
  ])('given bad flags %j, then a usage error saying what to give', (extra, message) => {
    expect(() => correctionFromOptions({ ...base, ...extra }, NOW)).toThrow(CorrectionUsageError);
    expect(() => correctionFromOptions({ ...base, ...extra }, NOW)).toThrow(message);
  });
});
