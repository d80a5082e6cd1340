import { Module } from '@nestjs/common';
import { CorrectionJobs } from './correction-jobs';
import { MarginsApiController } from './margins-api.controller';
import { MarginsPagesController } from './margins-pages.controller';

/**
 * Admin margin review and cost/price corrections. Uses the portal's pool and guards (PortalModule is
 * global) and the process's event store (EVENT_STORE, provided globally by the host).
 */
@Module({
  controllers: [MarginsPagesController, MarginsApiController],
  providers: [CorrectionJobs],
})
export class MarginsModule {}
