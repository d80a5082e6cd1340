import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_SERIES,
  formatInvoiceNumber,
  invoiceSeriesFromEnv,
  numberStreamId,
  validateSeries,
} from './series';

describe('invoice number series', () => {
  it('given the default pattern, when formatted, then prefix, year and a 6-digit sequence appear', () => {
    expect(formatInvoiceNumber(DEFAULT_SERIES, 2026, 42)).toBe('TG-2026-000042');
    expect(formatInvoiceNumber(DEFAULT_SERIES, 2026, 1234567)).toBe('TG-2026-1234567');
  });

  it('given a custom pattern, when formatted, then the tokens are replaced in place', () => {
    const series = validateSeries({ id: 'EU', prefix: 'INV', pattern: '{YYYY}/{PREFIX}/{SEQ:4}' });
    expect(formatInvoiceNumber(series, 2027, 7)).toBe('2027/INV/0007');
    expect(numberStreamId('EU', 2027)).toBe('invoice-numbers-EU-2027');
  });

  it('given a pattern without a sequence, a year or with an unknown token, when validated, then it is rejected', () => {
    expect(() => validateSeries({ id: 'A', prefix: 'A', pattern: '{PREFIX}-{YYYY}' })).toThrow(/SEQ/);
    expect(() => validateSeries({ id: 'A', prefix: 'A', pattern: '{PREFIX}-{SEQ:3}' })).toThrow(/YYYY/);
    expect(() => validateSeries({ id: 'A', prefix: 'A', pattern: '{YYYY}-{SEQ}-{MONTH}' })).toThrow(
      /unknown/,
    );
    expect(() => validateSeries({ id: 'bad id', prefix: 'A', pattern: '{YYYY}-{SEQ}' })).toThrow(/series id/);
  });

  it('given operator settings in the environment, when the series is read, then prefix and pattern apply and a bad pattern is refused', () => {
    expect(invoiceSeriesFromEnv({})).toEqual(DEFAULT_SERIES);
    const series = invoiceSeriesFromEnv({
      TOLLGATE_INVOICE_PREFIX: 'ACME',
      TOLLGATE_INVOICE_PATTERN: '{PREFIX}{YYYY}-{SEQ:5}',
    });
    expect(series.id).toBe('ACME');
    expect(formatInvoiceNumber(series, 2026, 42)).toBe('ACME2026-00042');
    expect(() => invoiceSeriesFromEnv({ TOLLGATE_INVOICE_PATTERN: '{PREFIX}-{SEQ}' })).toThrow(/YYYY/);
  });
});
