import { HttpException } from '@nestjs/common';
import { DomainError } from '@tollgate/event-store';
import { adminApiError, invalidInput } from './admin-errors';

describe('adminApiError (the admin API error mapping)', () => {
  it('given invalid input, when mapped, then 400 names the field', () => {
    expect(adminApiError(invalidInput('credits', 'too precise'))).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: 'credits: too precise', field: 'credits' } },
    });
  });

  it('given catalog NOT_FOUND and ledger codes, when mapped, then 404 / 404 / 409', () => {
    expect(adminApiError(new DomainError('NOT_FOUND', 'no provider p')).status).toBe(404);
    expect(adminApiError(new DomainError('ACCOUNT_NOT_FOUND', 'not open')).status).toBe(404);
    expect(adminApiError(new DomainError('IDEMPOTENCY_CONFLICT', 'other data')).status).toBe(409);
  });

  it('given catalog rejections, when mapped, then lifecycle and margin refusals are 4xx and a lagging projection is 503', () => {
    expect(adminApiError(new DomainError('ALIAS_NOT_FOUND', 'no alias')).status).toBe(404);
    expect(adminApiError(new DomainError('PROVIDER_ALREADY_EXISTS', 'taken')).status).toBe(409);
    expect(adminApiError(new DomainError('INVALID_STATUS_TRANSITION', 'draft → open')).status).toBe(400);
    expect(adminApiError(new DomainError('MARGIN_BELOW_THRESHOLD', '-25.00%')).status).toBe(422);
    expect(
      adminApiError(new DomainError('CATALOG_PROJECTION_BEHIND', 'recorded, not yet visible')).status,
    ).toBe(503);
  });

  it('given Postgres unique and foreign key violations, when mapped, then 409 and 404', () => {
    expect(adminApiError(Object.assign(new Error('dup'), { code: '23505' })).status).toBe(409);
    expect(adminApiError(Object.assign(new Error('fk'), { code: '23503' })).status).toBe(404);
  });

  it('given the guard 401 and an unknown error, when mapped, then 401 keeps its status and the other is a bare 500', () => {
    const unauthorized = adminApiError(
      new HttpException({ code: 'UNAUTHENTICATED', message: 'sign in' }, 401),
    );
    expect(unauthorized).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'sign in' } },
    });
    const internal = adminApiError(new Error('connection string postgres://secret'));
    expect(internal).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    });
  });
});
