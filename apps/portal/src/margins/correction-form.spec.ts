import { FormError } from '../admin/admin-forms';
import { correctionFromForm, hiddenFields, readCorrectionForm, utcInstant } from './correction-form';
import { reviewWindow } from './margins-pages.controller';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const body = (o: Record<string, string> = {}) => ({
  correctionId: 'c1',
  kind: 'cost',
  providerId: 'p1',
  upstreamModel: 'gpt-x',
  inputPerMillion: '1',
  outputPerMillion: '4',
  from: '2026-02-10T12:00',
  to: '2026-02-10T18:00:30',
  reason: 'invoice',
  ...o,
});

describe('correction form', () => {
  it('given a cost form, then a cost correction with the datetime-local values read as UTC and re-rating off', () => {
    expect(correctionFromForm(readCorrectionForm(body()), 'user:u1', NOW)).toEqual({
      type: 'CorrectCostProfile',
      correctionId: 'c1',
      providerId: 'p1',
      upstreamModel: 'gpt-x',
      from: '2026-02-10T12:00:00.000Z',
      to: '2026-02-10T18:00:30.000Z',
      cost: { inputPerMillion: '1', cachedInputPerMillion: null, outputPerMillion: '4' },
      reason: 'invoice',
      rerate: false,
      actor: 'user:u1',
      now: NOW.toISOString(),
    });
  });

  it('given a price form with a markup and re-rating, then a re-rating markup price correction; hidden fields carry it to apply', () => {
    const form = readCorrectionForm(
      body({ kind: 'price', alias: 'fast', priceKind: 'markup', markupPercent: '30', rerate: '1', to: '' }),
    );
    expect(correctionFromForm(form, 'admin-token', NOW)).toMatchObject({
      type: 'CorrectPrice',
      alias: 'fast',
      price: { kind: 'markup', markupPercent: '30' },
      to: null,
      rerate: true,
    });
    const carried = Object.fromEntries(hiddenFields(form).map((f) => [f.name, f.value]));
    expect(readCorrectionForm(carried)).toEqual(form);
  });

  it.each([
    [{ reason: '' }, 'Reason is required.'],
    [{ providerId: '' }, 'Provider id is required.'],
    [{ outputPerMillion: '' }, 'Output price is required.'],
    [{ kind: 'price', alias: '' }, 'Alias is required.'],
    [{ kind: 'price', alias: 'a', priceKind: 'markup' }, 'Markup percent is required.'],
    [{ from: 'yesterday' }, 'From: enter a date and time (UTC)'],
  ])('given %j, then the form says %s', (o, message) => {
    expect(() => correctionFromForm(readCorrectionForm(body(o)), 'u', NOW)).toThrow(FormError);
    expect(() => correctionFromForm(readCorrectionForm(body(o)), 'u', NOW)).toThrow(message);
  });

  it('honours an explicit offset', () => {
    expect(utcInstant('2026-02-10T12:00:00+02:00', 'From')).toBe('2026-02-10T10:00:00.000Z');
  });
});

describe('margin review window', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it('defaults to the last 7 days including today, to exclusive', () => {
    expect(reviewWindow(undefined, undefined, now)).toEqual({
      fromMs: Date.parse('2026-02-23T00:00:00Z'),
      toMs: Date.parse('2026-03-02T00:00:00Z'),
    });
  });
  it.each([
    ['2026-03-02', '2026-03-01', 'end after it starts'],
    ['2020-01-01', '2026-01-01', 'at most 366 days'],
    ['01/02/2026', '', 'YYYY-MM-DD'],
  ])('refuses from %s to %s', (from, to, message) => {
    expect(() => reviewWindow(from, to, now)).toThrow(message);
  });
});
