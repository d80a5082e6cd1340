import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { Pool } from 'pg';
import { listWorkspaceMembers } from '@tollgate/identity';
import { CurrentUser, CurrentWorkspace } from './decorators';
import { SessionGuard, WorkspaceMemberGuard } from './guards';
import { PORTAL_POOL } from './portal-options';
import type { PortalPrincipal, WorkspaceAccess } from './principal';

/** The customer JSON API's identity reads; every answer is scoped to the signed-in user. */
@Controller('api')
export class MeController {
  constructor(@Inject(PORTAL_POOL) private readonly pool: Pool) {}

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentUser() principal: PortalPrincipal) {
    const { user } = principal;
    return {
      user: { id: user.id, email: user.email, displayName: user.displayName, isAdmin: user.isAdmin },
      workspaces: principal.memberships.map((m) => ({
        id: m.workspaceId,
        name: m.workspaceName,
        role: m.role,
      })),
      csrfToken: principal.csrfToken,
    };
  }

  @Get('workspaces/:workspaceId')
  @UseGuards(WorkspaceMemberGuard)
  async workspace(@CurrentWorkspace() access: WorkspaceAccess) {
    const members = await listWorkspaceMembers(this.pool, access.workspace.id);
    return {
      id: access.workspace.id,
      name: access.workspace.name,
      createdAt: access.workspace.createdAt.toISOString(),
      role: access.role,
      members: members.map((m) => ({
        userId: m.userId,
        email: m.email,
        displayName: m.displayName,
        role: m.role,
      })),
    };
  }
}
