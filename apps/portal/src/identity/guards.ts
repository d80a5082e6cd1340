import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isUuid, type WorkspaceRole } from '@tollgate/identity';
import {
  CsrfRejectedException,
  PortalNotFoundException,
  UnauthenticatedException,
  WorkspaceRoleException,
} from './errors';
import { isUnsafeMethod, PortalIdentityService } from './portal-identity.service';
import { setWorkspaceAccess, type PortalPrincipal } from './principal';

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

/** Needs an operator admin. Anyone else gets 404: the admin workspace does not exist for them. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly identity: PortalIdentityService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = await signedIn(this.identity, context.switchToHttp().getRequest<FastifyRequest>());
    if (!principal.user.isAdmin) throw new PortalNotFoundException();
    return true;
  }
}
