import { Controller, Get, Header } from '@nestjs/common';
import { CUSTOMER_API_OPENAPI } from './customer-openapi';

/** Serves the customer API's OpenAPI document without a session: it is documentation, no data. */
@Controller('api')
export class CustomerApiDocsController {
  @Get('openapi.json')
  @Header('cache-control', 'no-cache')
  openapi(): typeof CUSTOMER_API_OPENAPI {
    return CUSTOMER_API_OPENAPI;
  }
}
