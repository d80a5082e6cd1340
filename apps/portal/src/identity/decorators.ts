import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { UnauthenticatedException } from './errors';
import {
  getAdminActor,
  getCachedPrincipal,
  getWorkspaceAccess,
  type AdminActor,
  type PortalPrincipal,
  type WorkspaceAccess,
} from './principal';

/** The signed-in `{ user, session, memberships, csrfToken }`; use behind SessionGuard (or a guard that includes it). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PortalPrincipal => {
    const principal = getCachedPrincipal(context.switchToHttp().getRequest<object>());
    if (!principal) throw new UnauthenticatedException();
    return principal;
  },
);

/** The `{ workspace, role }` of the route's `:workspaceId`; use behind WorkspaceMemberGuard. */
export const CurrentWorkspace = createParamDecorator(
  (_data: unknown, context: ExecutionContext): WorkspaceAccess => {
    const access = getWorkspaceAccess(context.switchToHttp().getRequest<object>());
    if (!access) throw new Error('CurrentWorkspace used without WorkspaceMemberGuard');
    return access;
  },
);

/** The admin behind the request (`{ kind: 'user', user }` or `{ kind: 'token' }`); use behind AdminGuard. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor => {
  const actor = getAdminActor(context.switchToHttp().getRequest<object>());
  if (!actor) throw new Error('CurrentAdmin used without AdminGuard');
  return actor;
});
