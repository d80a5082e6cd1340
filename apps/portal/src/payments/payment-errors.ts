import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError } from '@tollgate/event-store';
import type { PaymentErrorCode } from '@tollgate/payments';

/** The one place a payments error code becomes an HTTP status. */
const STATUS: Record<PaymentErrorCode, number> = {
  INVALID_COMMAND: HttpStatus.BAD_REQUEST,
  INVALID_PACKAGE: HttpStatus.BAD_REQUEST,
  INVALID_BILLING_PROFILE: HttpStatus.BAD_REQUEST,
  PACKAGE_NOT_FOUND: HttpStatus.NOT_FOUND,
  ORDER_NOT_FOUND: HttpStatus.NOT_FOUND,
  REFUND_NOT_FOUND: HttpStatus.NOT_FOUND,
  PACKAGE_INACTIVE: HttpStatus.CONFLICT,
  BILLING_PROFILE_REQUIRED: HttpStatus.CONFLICT,
  TAX_RATE_UNKNOWN: HttpStatus.UNPROCESSABLE_ENTITY,
  ORDER_ALREADY_EXISTS: HttpStatus.CONFLICT,
  ORDER_NOT_OPEN: HttpStatus.CONFLICT,
  ORDER_NOT_CONFIRMED: HttpStatus.CONFLICT,
  ORDER_NOT_MANUAL: HttpStatus.CONFLICT,
  ORDER_IS_MANUAL: HttpStatus.CONFLICT,
  IDEMPOTENCY_CONFLICT: HttpStatus.CONFLICT,
  REFUND_WINDOW_CLOSED: HttpStatus.UNPROCESSABLE_ENTITY,
  REFUND_EXCEEDS_REFUNDABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  REFUND_EXCEEDS_UNCONSUMED: HttpStatus.UNPROCESSABLE_ENTITY,
  PROVIDER_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  PROVIDER_ERROR: HttpStatus.BAD_GATEWAY,
  CONCURRENCY_RETRIES_EXHAUSTED: HttpStatus.SERVICE_UNAVAILABLE,
};

export class PaymentsHttpException extends HttpException {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    const status = (STATUS as Record<string, number>)[code] ?? HttpStatus.UNPROCESSABLE_ENTITY;
    super({ statusCode: status, error: { code, message, details } }, status);
  }
}

export function badRequest(message: string, details: Record<string, unknown> = {}): PaymentsHttpException {
  return new PaymentsHttpException('INVALID_COMMAND', message, details);
}

/** Unwraps a use-case result: values pass, DomainErrors become their HTTP answer. */
export function orThrow<T>(result: T | DomainError): T {
  if (result instanceof DomainError)
    throw new PaymentsHttpException(result.code, result.message, result.details);
  return result;
}
