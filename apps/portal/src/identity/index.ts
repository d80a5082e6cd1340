/** What other portal controllers (payments, usage pages) use to scope themselves to the signed-in user. */
export { AdminGuard, SessionGuard, WorkspaceMemberGuard, WorkspaceRoles, WORKSPACE_ID_PARAM } from './guards';
export { CurrentAdmin, CurrentUser, CurrentWorkspace } from './decorators';
export {
  CsrfRejectedException,
  InvalidAdminTokenException,
  PortalNotFoundException,
  UnauthenticatedException,
  WorkspaceRoleException,
} from './errors';
export { describeAdminActor, type AdminActor, type PortalPrincipal, type WorkspaceAccess } from './principal';
export { PortalIdentityService } from './portal-identity.service';
export { PORTAL_OPTIONS, PORTAL_POOL, cookieSecureFromEnv, type PortalOptions } from './portal-options';
export { PortalPageExceptionFilter } from '../views/page-exception.filter';
export { renderPage } from '../views/renderer';
export { sendHtml, redirect } from '../layout/html-response';
export { IDENTITY_OPENAPI_COMPONENTS, IDENTITY_OPENAPI_PATHS } from './openapi';
