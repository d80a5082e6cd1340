export const WORKSPACE_ROLES = ['owner', 'member', 'billing'] as const;
/** owner: everything; member: use the gateway, see usage; billing: payments, invoices, billing profile. */
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export function isWorkspaceRole(value: unknown): value is WorkspaceRole {
  return typeof value === 'string' && (WORKSPACE_ROLES as readonly string[]).includes(value);
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  /** Operator admin: may open the admin workspace. */
  isAdmin: boolean;
  createdAt: Date;
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: Date;
}

export interface Membership {
  workspaceId: string;
  workspaceName: string;
  role: WorkspaceRole;
}

export interface WorkspaceMember {
  userId: string;
  email: string;
  displayName: string;
  role: WorkspaceRole;
}
