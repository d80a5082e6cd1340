import { BadRequestException } from '@nestjs/common';
import { parseQuery, RequestLogQuerySchema, statementPeriod } from './query-schemas';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BadRequestException) return (err.getResponse() as { message: string }).message;
    throw err;
  }
  throw new Error('no error');
}

describe('workspace page query parameters', () => {
  it('given empty filter fields from a GET form, when parsed, then they are absent and paging defaults apply', () => {
    expect(parseQuery(RequestLogQuerySchema, { key: '', model: '', status: '', from: '', to: '' })).toEqual({
      page: 1,
      perPage: 50,
    });
  });

  it('given out-of-range paging, when parsed, then 400 naming the field', () => {
    expect(message(() => parseQuery(RequestLogQuerySchema, { perPage: '101' }))).toMatch(
      /^Invalid "perPage"/,
    );
    expect(message(() => parseQuery(RequestLogQuerySchema, { page: '0' }))).toMatch(/^Invalid "page"/);
  });

  it('given an impossible date or an unknown parameter, when parsed, then 400', () => {
    expect(message(() => parseQuery(RequestLogQuerySchema, { to: '2026-02-29' }))).toContain(
      'not a calendar date',
    );
    expect(message(() => parseQuery(RequestLogQuerySchema, { order: 'x' }))).toBe('Unknown filter: order.');
  });

  it('given no period, when the statement period is resolved, then the last 30 whole UTC days up to today', () => {
    const p = statementPeriod({}, new Date('2026-03-01T12:00:00Z'));
    expect(p).toEqual({
      from: '2026-01-31',
      to: '2026-03-01',
      start: new Date('2026-01-31T00:00:00Z'),
      end: new Date('2026-03-02T00:00:00Z'),
    });
  });

  it('given a reversed or too long period, when resolved, then 400', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(message(() => statementPeriod({ from: '2026-03-02', to: '2026-03-01' }, now))).toContain(
      'must not be after',
    );
    expect(message(() => statementPeriod({ from: '1990-01-01', to: '2026-03-01' }, now))).toContain(
      'at most',
    );
  });
});
