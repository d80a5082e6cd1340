import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import {
  addWorkspaceMember,
  IdentityError,
  isUuid,
  isWorkspaceRole,
  listWorkspaceMembers,
  randomPassword,
  removeWorkspaceMember,
  renameWorkspace,
} from '@tollgate/identity';
import { CurrentUser, CurrentWorkspace } from '../identity/decorators';
import { PortalNotFoundException } from '../identity/errors';
import { WorkspaceMemberGuard, WorkspaceRoles } from '../identity/guards';
import { PortalIdentityService } from '../identity/portal-identity.service';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal, WorkspaceAccess } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { formField, identityErrorText } from './form';
import { PortalPageExceptionFilter } from './page-exception.filter';
import { renderPage } from './renderer';

interface WorkspaceNotices {
  error?: string;
  notice?: string;
  initialPassword?: { email: string; password: string };
}

/** The customer workspace shell: dashboard placeholder, members, settings. */
@Controller()
@UseFilters(PortalPageExceptionFilter)
export class PagesController {
  constructor(
    private readonly identity: PortalIdentityService,
    @Inject(PORTAL_POOL) private readonly pool: Pool,
  ) {}

  /** Signed out: sign in. Signed in: the first workspace, else the admin workspace, else a hint. */
  @Get('/')
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const principal = await this.identity.principal(request);
    if (!principal) return redirect(reply, '/login');
    const first = principal.memberships[0];
    if (first) return redirect(reply, `/w/${first.workspaceId}`);
    if (principal.user.isAdmin) return redirect(reply, '/admin');
    sendHtml(
      reply,
      200,
      renderPage('no-workspace', { email: principal.user.email }, { title: 'No workspace', principal }),
    );
  }

  @Get('/w/:workspaceId')
  @UseGuards(WorkspaceMemberGuard)
  async workspace(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderWorkspace(reply, 200, principal, access, {});
  }

  /** Owners only; members of other roles get 403, everyone else 404 (the guard). */
  @Post('/w/:workspaceId/name')
  @UseGuards(WorkspaceMemberGuard)
  @WorkspaceRoles('owner')
  async rename(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await renameWorkspace(this.pool, access.workspace.id, formField(request.body, 'name'));
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      return this.renderWorkspace(reply, 400, principal, access, { error: identityErrorText(err) });
    }
    redirect(reply, `/w/${access.workspace.id}`);
  }

  /** Adds an existing user, or creates one with an initial password shown to the owner once. */
  @Post('/w/:workspaceId/members')
  @UseGuards(WorkspaceMemberGuard)
  @WorkspaceRoles('owner')
  async addMember(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const email = formField(request.body, 'email');
    const role = formField(request.body, 'role');
    if (!isWorkspaceRole(role))
      return this.renderWorkspace(reply, 400, principal, access, {
        error: 'Choose owner, member or billing.',
      });
    const password = randomPassword();
    try {
      const added = await addWorkspaceMember(this.pool, {
        workspaceId: access.workspace.id,
        email,
        role,
        password,
      });
      const notices: WorkspaceNotices = added.userCreated
        ? { initialPassword: { email: added.user.email, password } }
        : {
            notice: `${added.user.email} is now ${role === 'owner' ? 'an' : 'a'} ${role} of this workspace.`,
          };
      return this.renderWorkspace(reply, 200, principal, access, notices);
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      return this.renderWorkspace(reply, 400, principal, access, { error: identityErrorText(err) });
    }
  }

  @Post('/w/:workspaceId/members/:userId/remove')
  @UseGuards(WorkspaceMemberGuard)
  @WorkspaceRoles('owner')
  async removeMember(
    @CurrentUser() principal: PortalPrincipal,
    @CurrentWorkspace() access: WorkspaceAccess,
    @Param('userId') userId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!isUuid(userId)) throw new PortalNotFoundException();
    try {
      await removeWorkspaceMember(this.pool, { workspaceId: access.workspace.id, userId });
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      if (err.code === 'USER_NOT_FOUND') throw new PortalNotFoundException();
      return this.renderWorkspace(reply, 409, principal, access, { error: identityErrorText(err) });
    }
    // Removing yourself ends your access: go home instead of to a page that is now a 404.
    redirect(reply, userId === principal.user.id ? '/' : `/w/${access.workspace.id}`);
  }

  private async renderWorkspace(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    notices: WorkspaceNotices,
  ): Promise<void> {
    const members = await listWorkspaceMembers(this.pool, access.workspace.id);
    const html = renderPage(
      'workspace',
      {
        ...notices,
        workspace: access.workspace,
        role: access.role,
        members,
        canManage: access.role === 'owner',
        csrfToken: principal.csrfToken,
      },
      { title: access.workspace.name, principal, currentWorkspaceId: access.workspace.id },
    );
    sendHtml(reply, status, html);
  }
}
