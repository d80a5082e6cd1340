import { Controller, Get, Header } from '@nestjs/common';
import { ADMIN_API_OPENAPI, type OpenApiDocument } from './admin-openapi';

/** Serves the admin API's OpenAPI document without authentication: it is documentation, no data. */
@Controller('admin/api')
export class AdminDocsController {
  @Get('openapi.json')
  @Header('cache-control', 'no-cache')
  openapi(): OpenApiDocument {
    return ADMIN_API_OPENAPI;
  }
}
