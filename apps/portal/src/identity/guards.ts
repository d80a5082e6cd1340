import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { constantTimeEqual, isUuid, type WorkspaceRole } from '@tollgate/identity';
import {
  CsrfRejectedException,
  InvalidAdminTokenException,
  PortalNotFoundException,
  UnauthenticatedException,
  WorkspaceRoleException,
} from './errors';
import { isUnsafeMethod, PortalIdentityService } from './portal-identity.service';
import { PORTAL_OPTIONS, type PortalOptions } from './portal-options';
import { setAdminActor, setWorkspaceAccess, type PortalPrincipal } from './principal';

/** Route parameter that names the workspace for WorkspaceMemberGuard. */
export const WORKSPACE_ID_PARAM = 'workspaceId';
const WORKSPACE_ROLES_KEY = 'tollgate:workspace-roles';

/** Limits a workspace route to some roles (members with another role get 403; others still 404). */
export const WorkspaceRoles = (...roles: WorkspaceRole[]) => SetMetadata(WORKSPACE_ROLES_KEY, roles);

async function signedIn(identity: PortalIdentityService, request: FastifyRequest): Promise<PortalPrincipal> {
  const principal = await identity.principal(request);
  if (!principal) throw new UnauthenticatedException();
  // Every write by a signed-in user needs the session's CSRF token: no route can forget it.
  if (isUnsafeMethod(request.method) && !identity.csrfAccepted(request, principal))
    throw new CsrfRejectedException();
  return principal;
}

/** Needs a live session (401 / redirect to /login otherwise) and, for writes, its CSRF token (403). */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly identity: PortalIdentityService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await signedIn(this.identity, context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}

/**
 * Needs membership of the workspace in the `:workspaceId` route param. Not a member, or no such
 * workspace: 404, the same answer, so ids of other tenants reveal nothing. Includes SessionGuard's checks.
 */
@Injectable()
export class WorkspaceMemberGuard implements CanActivate {
  constructor(
    private readonly identity: PortalIdentityService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await signedIn(this.identity, request);
    const workspaceId = (request.params as Record<string, string | undefined>)[WORKSPACE_ID_PARAM];
    if (!isUuid(workspaceId)) throw new PortalNotFoundException();
    const access = await this.identity.workspaceFor(principal, workspaceId);
    if (!access) throw new PortalNotFoundException();
    const roles = this.reflector.getAllAndOverride<WorkspaceRole[] | undefined>(WORKSPACE_ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && roles.length > 0 && !roles.includes(access.role)) throw new WorkspaceRoleException(roles);
    setWorkspaceAccess(request, access);
    return true;
  }
}

/**
 * Needs an operator admin: a signed-in admin (with CSRF on writes), or `Authorization: Bearer` with the
 * operator's admin token when PortalOptions.adminToken is set (no cookie, so no CSRF). A wrong bearer
 * token is a 401, never a fall-back to the session. Signed-in non-admins get 404: the admin workspace
 * does not exist for them. `@CurrentAdmin()` tells who acted.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly identity: PortalIdentityService,
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
      const token = authorization.slice('bearer '.length).trim();
      if (!this.options.adminToken || !constantTimeEqual(token, this.options.adminToken))
        throw new InvalidAdminTokenException();
      setAdminActor(request, { kind: 'token' });
      return true;
    }
    const principal = await signedIn(this.identity, request);
    if (!principal.user.isAdmin) throw new PortalNotFoundException();
    setAdminActor(request, { kind: 'user', user: principal.user });
    return true;
  }
}
