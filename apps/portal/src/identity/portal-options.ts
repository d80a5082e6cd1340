import type { InjectionToken } from '@nestjs/common';
import type { LoginRateLimit, SessionPolicy } from '@tollgate/identity';

export interface PortalOptions {
  /** The token under which the host module provides the shared `pg` Pool (the CLI's PG_POOL). */
  poolToken: InjectionToken;
  /**
   * Always mark cookies `Secure` (set TOLLGATE_COOKIE_SECURE=true behind a TLS-terminating proxy).
   * Without it they are `Secure` only when the request itself came over https.
   */
  cookieSecure?: boolean;
  /**
   * The operator's TOLLGATE_ADMIN_TOKEN: AdminGuard also admits `Authorization: Bearer <token>`
   * (scripts, the admin JSON API). Unset: admin sessions only.
   */
  adminToken?: string;
  sessionPolicy?: SessionPolicy;
  loginRateLimit?: LoginRateLimit;
  /** Injected clock for tests. */
  now?: () => Date;
}

export const PORTAL_OPTIONS = Symbol('PORTAL_OPTIONS');
/** The pool the portal uses, aliased from `PortalOptions.poolToken`. */
export const PORTAL_POOL = Symbol('PORTAL_POOL');

export function cookieSecureFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TOLLGATE_COOKIE_SECURE === 'true';
}
