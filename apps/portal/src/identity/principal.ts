import type { Membership, Session, User, Workspace, WorkspaceRole } from '@tollgate/identity';

/** Who is signed in, resolved once per request by the session guard. */
export interface PortalPrincipal {
  user: User;
  session: Session;
  memberships: Membership[];
  /** The session's CSRF token, for forms (`_csrf`) and JSON writes (`x-csrf-token`). */
  csrfToken: string;
}

/** The workspace named by the route, set by WorkspaceMemberGuard. */
export interface WorkspaceAccess {
  workspace: Workspace;
  role: WorkspaceRole;
}

/** Who is acting as admin: a signed-in admin user, or a script holding the operator's bearer token. */
export type AdminActor = { kind: 'user'; user: User } | { kind: 'token' };

export function describeAdminActor(actor: AdminActor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.user.id}`;
    case 'token':
      return 'admin-token';
    default: {
      const never: never = actor;
      throw new Error(`unknown admin actor ${JSON.stringify(never)}`);
    }
  }
}

// Keyed by the request object so nothing has to augment fastify's request type.
const principals = new WeakMap<object, PortalPrincipal | null>();
const workspaces = new WeakMap<object, WorkspaceAccess>();
const admins = new WeakMap<object, AdminActor>();

export function getAdminActor(request: object): AdminActor | undefined {
  return admins.get(request);
}

export function setAdminActor(request: object, actor: AdminActor): void {
  admins.set(request, actor);
}

export function getCachedPrincipal(request: object): PortalPrincipal | null | undefined {
  return principals.get(request);
}

export function setCachedPrincipal(request: object, principal: PortalPrincipal | null): void {
  principals.set(request, principal);
}

export function getWorkspaceAccess(request: object): WorkspaceAccess | undefined {
  return workspaces.get(request);
}

export function setWorkspaceAccess(request: object, access: WorkspaceAccess): void {
  workspaces.set(request, access);
}
