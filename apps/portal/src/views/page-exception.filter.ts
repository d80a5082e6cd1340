import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthenticatedException } from '../identity/errors';
import { getCachedPrincipal } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { renderPage } from './renderer';

const HEADINGS: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  429: 'Too many attempts',
};

/** Same-site path to come back to after sign-in; anything else is dropped. */
export function safeNextPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  // One leading slash, then printable ASCII only: no "//host", no "/\\host", and no tabs or newlines
  // (browsers drop those, which would turn "/\t/host" into "//host").
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : undefined;
}

/**
 * For portal PAGES (HTML): no session → redirect to /login, other errors → an HTML error page in the
 * layout. Put it on page controllers with `@UseFilters(PortalPageExceptionFilter)`; JSON routes keep
 * Nest's JSON errors.
 */
@Catch()
export class PortalPageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Portal');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof UnauthenticatedException) {
      const next = request.method === 'GET' ? safeNextPath(request.url) : undefined;
      redirect(reply, next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login');
      return;
    }
    let status = 500;
    let message = 'Something went wrong on our side. Try again in a moment.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      const text = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
      if (status < 500 && typeof text === 'string') message = text;
      if (status === 404) message = 'There is no page here, or you do not have access to it.';
    } else {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    const principal = getCachedPrincipal(request) ?? null;
    const html = renderPage(
      'error',
      {
        heading: HEADINGS[status] ?? 'Error',
        message,
        backHref: principal ? '/' : '/login',
        backLabel: principal ? 'Go to your workspace' : 'Go to sign in',
      },
      { title: HEADINGS[status] ?? 'Error', principal },
    );
    sendHtml(reply, status, html);
  }
}
