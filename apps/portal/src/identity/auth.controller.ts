import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redirect, sendHtml } from '../layout/html-response';
import { PortalPageExceptionFilter, safeNextPath } from '../views/page-exception.filter';
import { renderPage } from '../views/renderer';
import { SessionGuard } from './guards';
import { PortalIdentityService } from './portal-identity.service';

const FIELD_MAX_LENGTH = 512;

function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, FIELD_MAX_LENGTH) : '';
}

@Controller()
@UseFilters(PortalPageExceptionFilter)
export class AuthController {
  constructor(private readonly identity: PortalIdentityService) {}

  @Get('/login')
  async loginForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('next') nextParam?: string,
  ): Promise<void> {
    const next = safeNextPath(nextParam);
    if (await this.identity.principal(request)) return redirect(reply, next ?? '/');
    const csrfToken = this.identity.loginCsrfToken(request, reply);
    sendHtml(reply, 200, renderPage('login', { csrfToken, next }, { title: 'Sign in' }));
  }

  @Post('/login')
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const email = field(request.body, 'email').trim();
    const next = safeNextPath(field(request.body, 'next'));
    const form = (status: number, error: string): void => {
      const csrfToken = this.identity.loginCsrfToken(request, reply);
      sendHtml(reply, status, renderPage('login', { csrfToken, next, email, error }, { title: 'Sign in' }));
    };
    if (!this.identity.loginCsrfAccepted(request))
      return form(
        403,
        'This sign-in form expired or was not sent from this site (security token check failed). Try again.',
      );
    const password = field(request.body, 'password');
    if (!email || !password) return form(400, 'Enter your email and password.');
    const result = await this.identity.login(email, password, request.ip);
    switch (result.kind) {
      case 'signed_in':
        await this.identity.startSession(request, reply, result.user.id);
        return redirect(reply, next ?? '/');
      case 'invalid_credentials':
        return form(401, 'That email and password do not match an account.');
      case 'rate_limited': {
        const minutes = Math.ceil(result.retryAfterMs / 60_000);
        reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
        return form(
          429,
          `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        );
      }
      default: {
        const never: never = result;
        throw new Error(`unhandled login result ${JSON.stringify(never)}`);
      }
    }
  }

  @Post('/logout')
  @UseGuards(SessionGuard)
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.identity.endSession(request, reply);
    redirect(reply, '/login');
  }
}
