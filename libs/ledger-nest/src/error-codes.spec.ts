import { LEDGER_ERROR_CODES } from '@tollgate/ledger';
import { httpStatusForCode } from './error-codes';

describe('httpStatusForCode', () => {
  it('given every ledger error code, then each maps to a 4xx status (MALFORMED_EVENT alone is a 500)', () => {
    for (const code of LEDGER_ERROR_CODES) {
      const status = httpStatusForCode(code);
      if (code === 'MALFORMED_EVENT') expect(status).toBe(500);
      else expect(status >= 400 && status < 500).toBe(true);
    }
  });

  it('given the key rejections, then their statuses are the documented ones', () => {
    expect(httpStatusForCode('INVALID_COMMAND')).toBe(400);
    expect(httpStatusForCode('INSUFFICIENT_CREDITS')).toBe(402);
    expect(httpStatusForCode('ACCOUNT_NOT_FOUND')).toBe(404);
    expect(httpStatusForCode('IDEMPOTENCY_CONFLICT')).toBe(409);
    expect(httpStatusForCode('LEASE_ALREADY_CLOSED')).toBe(409);
    expect(httpStatusForCode('CONCURRENCY_CONFLICT')).toBe(409);
    expect(httpStatusForCode('REFUND_EXCEEDS_PURCHASE')).toBe(422);
  });

  it('given codes from other libraries, then naming conventions decide', () => {
    expect(httpStatusForCode('INVOICE_NOT_FOUND')).toBe(404);
    expect(httpStatusForCode('ORDER_ALREADY_PAID')).toBe(409);
    expect(httpStatusForCode('INVALID_SIGNATURE')).toBe(400);
    expect(httpStatusForCode('SOMETHING_ODD')).toBe(422);
  });
});
