import { Module, type DynamicModule } from '@nestjs/common';
import { AdminCatalogPagesController } from './admin/admin-catalog-pages.controller';
import { AdminOrdersPagesController } from './admin/admin-orders-pages.controller';
import { AdminProjectionsPagesController } from './admin/admin-projections-pages.controller';
import { AdminServices } from './admin/admin-services';
import { AdminWorkspacesController } from './admin/admin-workspaces.controller';
import { ProjectionRebuilds } from './admin/projection-rebuilds';
import { CustomerApiDocsController } from './identity/api-docs.controller';
import { AuthController } from './identity/auth.controller';
import { AdminGuard, SessionGuard, WorkspaceMemberGuard } from './identity/guards';
import { MeController } from './identity/me.controller';
import { PortalIdentityService } from './identity/portal-identity.service';
import { PORTAL_OPTIONS, PORTAL_POOL, type PortalOptions } from './identity/portal-options';
import { PortalAssetsController } from './layout/assets.controller';
import { AccountController } from './views/account.controller';
import { AdminPagesController } from './views/admin-pages.controller';
import { PagesController } from './views/pages.controller';
import { WorkspacePagesController } from './workspace/workspace-pages.controller';
import { WorkspaceReadService } from './workspace/workspace-read.service';

/**
 * The customer and admin workspaces: sign-in, sessions, the page shell and the identity JSON reads.
 * Global, so any module's controllers can use SessionGuard / WorkspaceMemberGuard / AdminGuard.
 * Needs nothing registered on fastify: Nest parses form bodies, cookies are handled here.
 */
@Module({})
export class PortalModule {
  static forRoot(options: PortalOptions): DynamicModule {
    const shared = [PortalIdentityService, SessionGuard, WorkspaceMemberGuard, AdminGuard];
    return {
      module: PortalModule,
      global: true,
      controllers: [
        AuthController,
        MeController,
        CustomerApiDocsController,
        PagesController,
        AdminPagesController,
        AccountController,
        PortalAssetsController,
        WorkspacePagesController,
        AdminWorkspacesController,
        AdminCatalogPagesController,
        AdminOrdersPagesController,
        AdminProjectionsPagesController,
      ],
      providers: [
        { provide: PORTAL_OPTIONS, useValue: options },
        { provide: PORTAL_POOL, useExisting: options.poolToken },
        ...shared,
        WorkspaceReadService,
        AdminServices,
        ProjectionRebuilds,
      ],
      exports: [PORTAL_OPTIONS, PORTAL_POOL, ...shared],
    };
  }
}
