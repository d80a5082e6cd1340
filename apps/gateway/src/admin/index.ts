export { AdminCatalogController, ADMIN_API_POOL } from './admin-catalog.controller';
export { AdminDocsController } from './admin-docs.controller';
export { ADMIN_API_OPENAPI, type OpenApiDocument } from './admin-openapi';
export { adminApiError, AdminApiErrorFilter, type AdminApiError } from './admin-errors';
