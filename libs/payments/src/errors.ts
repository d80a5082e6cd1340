import { DomainError } from '@tollgate/event-store';

/** Stable codes of every payments error; the HTTP layer maps them to statuses in one place. */
export const PAYMENT_ERROR_CODES = [
  'INVALID_COMMAND',
  'INVALID_PACKAGE',
  'PACKAGE_NOT_FOUND',
  'PACKAGE_INACTIVE',
  'INVALID_BILLING_PROFILE',
  'BILLING_PROFILE_REQUIRED',
  'TAX_RATE_UNKNOWN',
  'ORDER_NOT_FOUND',
  'ORDER_ALREADY_EXISTS',
  'ORDER_NOT_OPEN',
  'ORDER_NOT_CONFIRMED',
  'ORDER_NOT_MANUAL',
  'ORDER_IS_MANUAL',
  'IDEMPOTENCY_CONFLICT',
  'REFUND_WINDOW_CLOSED',
  'REFUND_EXCEEDS_REFUNDABLE',
  'REFUND_EXCEEDS_UNCONSUMED',
  'REFUND_NOT_FOUND',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_ERROR',
  'CONCURRENCY_RETRIES_EXHAUSTED',
] as const;

export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number];

export function paymentError(
  code: PaymentErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): DomainError {
  return new DomainError(code, message, details);
}
