import { Module } from '@nestjs/common';
import { AuditPagesController } from './audit-pages.controller';

/**
 * The admin audit log pages. Reads the `audit_log` read model (the projector builds it from the
 * events); the pool and AdminGuard come from the global PortalModule.
 */
@Module({ controllers: [AuditPagesController] })
export class AuditModule {}
