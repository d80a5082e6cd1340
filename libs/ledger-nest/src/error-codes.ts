import { LedgerErrorCode } from '@tollgate/ledger';

/**
 * DomainError code → HTTP status, in ONE place for every app. Ledger codes are listed explicitly (the
 * `satisfies` check fails the build when a ledger code is added without a status); codes from other
 * libraries fall back to naming conventions (…_NOT_FOUND → 404, …_ALREADY_… / …_CONFLICT → 409,
 * INVALID_… → 400), and any other rule violation is 422.
 */
const LEDGER_HTTP_STATUS = {
  INVALID_COMMAND: 400,
  ACCOUNT_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  LEASE_NOT_FOUND: 404,
  ACCOUNT_ALREADY_OPEN: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PAYMENT_ALREADY_CREDITED: 409,
  ENTRY_ALREADY_EXISTS: 409,
  LEASE_ALREADY_EXISTS: 409,
  LEASE_ALREADY_CLOSED: 409,
  LEASE_HOLDER_MISMATCH: 409,
  USAGE_STREAM_CLOSED: 409,
  INSUFFICIENT_CREDITS: 402,
  CURRENCY_MISMATCH: 422,
  REFUND_EXCEEDS_PURCHASE: 422,
  REFUND_EXCEEDS_AVAILABLE: 422,
  REVERSAL_EXCEEDS_ENTRY: 422,
  OVERDRAFT_IN_USE: 422,
  SPENT_EXCEEDS_LEASE: 422,
  USAGE_EXCEEDS_LEASE: 422,
  LEASE_NOT_EXPIRED: 422,
  TOO_MANY_OPEN_LEASES: 429,
  USAGE_STREAM_FULL: 429,
  MALFORMED_EVENT: 500,
} as const satisfies Record<LedgerErrorCode, number>;

/** Codes that are not domain rejections but still reach callers. */
const OTHER_HTTP_STATUS: Record<string, number> = {
  /** Optimistic concurrency retries ran out: the caller may retry. */
  CONCURRENCY_CONFLICT: 409,
  /** Too many commands queued for one stream in this process. */
  STREAM_BUSY: 429,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

export function httpStatusForCode(code: string): number {
  if (Object.prototype.hasOwnProperty.call(LEDGER_HTTP_STATUS, code))
    return LEDGER_HTTP_STATUS[code as LedgerErrorCode];
  if (Object.prototype.hasOwnProperty.call(OTHER_HTTP_STATUS, code)) return OTHER_HTTP_STATUS[code];
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.includes('_ALREADY_') || code.endsWith('_CONFLICT') || code.startsWith('DUPLICATE_')) return 409;
  if (code.startsWith('INVALID_') || code.endsWith('_INVALID')) return 400;
  if (code.startsWith('INSUFFICIENT_')) return 402;
  return 422;
}
