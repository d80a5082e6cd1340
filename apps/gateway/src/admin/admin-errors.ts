import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@tollgate/event-store';
import { httpStatusForCode } from '@tollgate/ledger-nest';

/** The admin API's error body: a stable code, a message, and the offending field when there is one. */
export interface AdminApiError {
  error: { code: string; message: string; field?: string };
}

/** Thrown by the controller for its own input checks (the field is named for the client). */
export function invalidInput(field: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', `${field}: ${message}`, { field });
}

/** Every error of the admin API → status + body, in ONE place. */
export function adminApiError(err: unknown): { status: number; body: AdminApiError } {
  if (err instanceof HttpException) {
    const response = err.getResponse();
    const status = err.getStatus();
    if (typeof response === 'object' && response && 'error' in response && typeof response.error === 'object')
      return { status, body: response as AdminApiError };
    const r = response as { code?: string; message?: string } | string;
    const code = typeof r === 'object' && r.code ? r.code : status === 401 ? 'UNAUTHENTICATED' : 'HTTP_ERROR';
    const message = typeof r === 'string' ? r : (r.message ?? err.message);
    return { status, body: { error: { code, message: String(message) } } };
  }
  if (err instanceof DomainError) {
    const status =
      err.code === 'NOT_FOUND'
        ? 404
        : err.code === 'CATALOG_PROJECTION_BEHIND'
          ? 503
          : httpStatusForCode(err.code);
    const field = typeof err.details.field === 'string' ? err.details.field : undefined;
    return { status, body: { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } } };
  }
  const pgCode = (err as { code?: unknown }).code;
  if (pgCode === '23505')
    return {
      status: 409,
      body: { error: { code: 'ALREADY_EXISTS', message: 'that name is already taken' } },
    };
  if (pgCode === '23503')
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'a referenced id does not exist' } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

@Catch()
export class AdminApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = adminApiError(exception);
    if (status >= 500) this.logger.error(exception);
    void host.switchToHttp().getResponse<FastifyReply>().status(status).send(body);
  }
}
