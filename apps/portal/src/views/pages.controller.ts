import { Controller, Get, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { IdentityError, listWorkspaceMembers, listWorkspaces, renameWorkspace } from '@tollgate/identity';
import { CurrentUser, CurrentWorkspace } from '../identity/decorators';
import { AdminGuard, WorkspaceMemberGuard, WorkspaceRoles } from '../identity/guards';
import { PortalIdentityService } from '../identity/portal-identity.service';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal, WorkspaceAccess } from '../identity/principal';
import { redirect, sendHtml } from '../layout/html-response';
import { PortalPageExceptionFilter } from './page-exception.filter';
import { renderPage } from './renderer';

const ADMIN_WORKSPACES_LISTED = 100;

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
    await this.renderWorkspace(reply, 200, principal, access);
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
    const body = request.body as Record<string, unknown> | undefined;
    const name = typeof body?.name === 'string' ? body.name : '';
    try {
      await renameWorkspace(this.pool, access.workspace.id, name);
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      return this.renderWorkspace(reply, 400, principal, access, 'Enter a name of 1 to 120 characters.');
    }
    redirect(reply, `/w/${access.workspace.id}`);
  }

  private async renderWorkspace(
    reply: FastifyReply,
    status: number,
    principal: PortalPrincipal,
    access: WorkspaceAccess,
    renameError?: string,
  ): Promise<void> {
    const members = await listWorkspaceMembers(this.pool, access.workspace.id);
    const html = renderPage(
      'workspace',
      {
        workspace: access.workspace,
        role: access.role,
        members,
        canRename: access.role === 'owner',
        csrfToken: principal.csrfToken,
        renameError,
      },
      { title: access.workspace.name, principal, currentWorkspaceId: access.workspace.id },
    );
    sendHtml(reply, status, html);
  }

  @Get('/admin')
  @UseGuards(AdminGuard)
  async admin(@CurrentUser() principal: PortalPrincipal, @Res() reply: FastifyReply): Promise<void> {
    const workspaces = await listWorkspaces(this.pool, { limit: ADMIN_WORKSPACES_LISTED });
    sendHtml(
      reply,
      200,
      renderPage('admin', { workspaces }, { title: 'Admin', principal, adminSection: true }),
    );
  }
}
