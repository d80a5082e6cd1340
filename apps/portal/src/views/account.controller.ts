import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { IdentityError, setPassword } from '@tollgate/identity';
import { CurrentUser } from '../identity/decorators';
import { SessionGuard } from '../identity/guards';
import { PortalIdentityService } from '../identity/portal-identity.service';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { formField, identityErrorText } from './form';
import { PortalPageExceptionFilter } from './page-exception.filter';
import { renderPage } from './renderer';

/** The signed-in user's own account: change password. */
@Controller('account')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(SessionGuard)
export class AccountController {
  constructor(
    private readonly identity: PortalIdentityService,
    @Inject(PORTAL_POOL) private readonly pool: Pool,
  ) {}

  @Get()
  account(
    @CurrentUser() principal: PortalPrincipal,
    @Res() reply: FastifyReply,
    @Query('changed') changed?: string,
  ): void {
    const notice = changed === 'password' ? 'Password changed. Other sessions were signed out.' : undefined;
    this.render(reply, 200, principal, { notice });
  }

  /**
   * The current password is checked through the sign-in rate limit, so a borrowed session cannot be
   * used to guess it. Success ends every session of the user and starts a fresh one here.
   */
  @Post('password')
  async changePassword(
    @CurrentUser() principal: PortalPrincipal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const current = formField(request.body, 'currentPassword');
    const next = formField(request.body, 'newPassword');
    if (next !== formField(request.body, 'confirmPassword'))
      return this.render(reply, 400, principal, { error: 'The two new passwords differ.' });
    const check = await this.identity.login(principal.user.email, current, request.ip);
    if (check.kind === 'rate_limited')
      return this.render(reply, 429, principal, {
        error: 'Too many wrong passwords. Try again later.',
      });
    if (check.kind === 'invalid_credentials')
      return this.render(reply, 400, principal, { error: 'The current password is not right.' });
    try {
      await setPassword(this.pool, principal.user.id, next);
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      return this.render(reply, 400, principal, { error: identityErrorText(err) });
    }
    await this.identity.startSession(request, reply, principal.user.id);
    // The page must be rendered with the new session's CSRF token: redirect, then GET.
    redirect(reply, '/account?changed=password');
  }

  private render(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    notices: { error?: string; notice?: string },
  ): void {
    sendHtml(
      reply,
      status,
      renderPage(
        'account',
        { ...notices, email: principal.user.email, csrfToken: principal.csrfToken },
        { title: 'Account', principal, accountSection: true },
      ),
    );
  }
}
