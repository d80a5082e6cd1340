import { DomainError } from '@tollgate/event-store';

/**
 * Every stable error code the ledger deciders produce. Apps map them to HTTP statuses in ONE place
 * (libs/ledger-nest/src/error-codes.ts).
 */
export const LEDGER_ERROR_CODES = [
  'INVALID_COMMAND',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_ALREADY_OPEN',
  'IDEMPOTENCY_CONFLICT',
  'CURRENCY_MISMATCH',
  'INSUFFICIENT_CREDITS',
  'PAYMENT_ALREADY_CREDITED',
  'PAYMENT_NOT_FOUND',
  'REFUND_EXCEEDS_PURCHASE',
  'REFUND_EXCEEDS_AVAILABLE',
  'ENTRY_ALREADY_EXISTS',
  'ENTRY_NOT_FOUND',
  'REVERSAL_EXCEEDS_ENTRY',
  'OVERDRAFT_IN_USE',
  'LEASE_ALREADY_EXISTS',
  'LEASE_NOT_FOUND',
  'LEASE_ALREADY_CLOSED',
  'LEASE_HOLDER_MISMATCH',
  'LEASE_NOT_EXPIRED',
  'SPENT_EXCEEDS_LEASE',
  'TOO_MANY_OPEN_LEASES',
  'USAGE_EXCEEDS_LEASE',
  'USAGE_STREAM_CLOSED',
  'USAGE_STREAM_FULL',
  'MALFORMED_EVENT',
] as const;

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

export function ledgerError(
  code: LedgerErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): DomainError {
  return new DomainError(code, message, details);
}

/** Thrown (not returned) when a stored event of a known type fails its schema: data is corrupt. */
export class MalformedEventError extends Error {
  readonly code = 'MALFORMED_EVENT';
  constructor(
    readonly eventType: string,
    readonly issues: string,
  ) {
    super(`malformed ${eventType} event: ${issues}`);
    this.name = 'MalformedEventError';
  }
}
