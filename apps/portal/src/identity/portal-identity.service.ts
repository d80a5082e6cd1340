import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import {
  attemptLogin,
  createSession,
  DEFAULT_LOGIN_RATE_LIMIT,
  DEFAULT_SESSION_POLICY,
  findWorkspaceForMember,
  pruneExpiredSessions,
  pruneLoginFailures,
  randomToken,
  resolveSessionWithMemberships,
  revokeSession,
  verifyCsrfToken,
  type LoginResult,
} from '@tollgate/identity';
import { parseCookies, serializeCookie } from './cookies';
import { PORTAL_OPTIONS, PORTAL_POOL, type PortalOptions } from './portal-options';
import {
  getCachedPrincipal,
  setCachedPrincipal,
  type PortalPrincipal,
  type WorkspaceAccess,
} from './principal';

export const SESSION_COOKIE = 'tg_session';
/** Pre-session CSRF token for the login form (double-submit: cookie and hidden field must match). */
export const LOGIN_CSRF_COOKIE = 'tg_login_csrf';
const LOGIN_CSRF_MAX_AGE_SECONDS = 2 * 60 * 60;
/** Expired sessions and stale login failures are swept this often (each sweep deletes one batch). */
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

function bodyField(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The request-facing side of identity: cookies, sessions, CSRF, sign-in. */
@Injectable()
export class PortalIdentityService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PortalIdentity');
  private pruneTimer?: NodeJS.Timeout;
  private readonly sessionPolicy;
  private readonly loginRateLimit;
  private readonly now: () => Date;

  constructor(
    @Inject(PORTAL_POOL) private readonly pool: Pool,
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
  ) {
    this.sessionPolicy = options.sessionPolicy ?? DEFAULT_SESSION_POLICY;
    this.loginRateLimit = options.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT;
    this.now = options.now ?? (() => new Date());
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** One sweep of dead sessions and login failures that no longer count. */
  async prune(): Promise<void> {
    try {
      await pruneExpiredSessions(this.pool, this.now());
      await pruneLoginFailures(this.pool, this.now(), this.loginRateLimit);
    } catch (err) {
      this.logger.warn(`identity prune failed: ${(err as Error).message}`);
    }
  }

  /** The signed-in principal, or null; resolved at most once per request. */
  async principal(request: FastifyRequest): Promise<PortalPrincipal | null> {
    const cached = getCachedPrincipal(request);
    if (cached !== undefined) return cached;
    const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    let principal: PortalPrincipal | null = null;
    if (token) {
      const live = await resolveSessionWithMemberships(this.pool, token, this.now(), this.sessionPolicy);
      if (live) principal = { ...live, csrfToken: live.session.csrfToken };
    }
    setCachedPrincipal(request, principal);
    return principal;
  }

  /** CSRF check for a write: hidden `_csrf` form field or `x-csrf-token` header. */
  csrfAccepted(request: FastifyRequest, principal: PortalPrincipal): boolean {
    const header = request.headers['x-csrf-token'];
    const submitted = bodyField(request.body, '_csrf') ?? (typeof header === 'string' ? header : undefined);
    return verifyCsrfToken(principal.session, submitted);
  }

  async workspaceFor(principal: PortalPrincipal, workspaceId: string): Promise<WorkspaceAccess | null> {
    return findWorkspaceForMember(this.pool, workspaceId, principal.user.id);
  }

  login(email: string, password: string, ip: string): Promise<LoginResult> {
    return attemptLogin(this.pool, { email, password, ip, now: this.now() }, this.loginRateLimit);
  }

  /** Starts a fresh session (never reuses one from before sign-in) and sets its cookie. */
  async startSession(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
    const old = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (old) await revokeSession(this.pool, old);
    const { token } = await createSession(
      this.pool,
      {
        userId,
        now: this.now(),
        ip: request.ip,
        userAgent:
          typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
      },
      this.sessionPolicy,
    );
    this.appendCookie(
      reply,
      serializeCookie(SESSION_COOKIE, token, {
        secure: this.secure(request),
        maxAgeSeconds: this.sessionPolicy.absoluteTtlMs / 1000,
      }),
    );
    this.appendCookie(
      reply,
      serializeCookie(LOGIN_CSRF_COOKIE, '', { secure: this.secure(request), maxAgeSeconds: 0 }),
    );
  }

  async endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (token) await revokeSession(this.pool, token);
    this.appendCookie(
      reply,
      serializeCookie(SESSION_COOKIE, '', { secure: this.secure(request), maxAgeSeconds: 0 }),
    );
  }

  /** The login form's token: kept from the cookie when present, else new (and the cookie set). */
  loginCsrfToken(request: FastifyRequest, reply: FastifyReply): string {
    const existing = parseCookies(request.headers.cookie).get(LOGIN_CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const token = randomToken();
    this.appendCookie(
      reply,
      serializeCookie(LOGIN_CSRF_COOKIE, token, {
        secure: this.secure(request),
        maxAgeSeconds: LOGIN_CSRF_MAX_AGE_SECONDS,
      }),
    );
    return token;
  }

  loginCsrfAccepted(request: FastifyRequest): boolean {
    const cookie = parseCookies(request.headers.cookie).get(LOGIN_CSRF_COOKIE);
    if (!cookie) return false;
    return verifyCsrfToken({ csrfToken: cookie }, bodyField(request.body, '_csrf'));
  }

  private secure(request: FastifyRequest): boolean {
    return this.options.cookieSecure === true || request.protocol === 'https';
  }

  private appendCookie(reply: FastifyReply, cookie: string): void {
    const current = reply.getHeader('set-cookie');
    const list = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
    reply.header('set-cookie', [...list, cookie]);
  }
}
