import { HttpException, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import type { EventStore } from '@tollgate/event-store';
import { EVENT_STORE } from '@tollgate/ledger-nest';
import type { PaymentsService } from '@tollgate/payments';
import { LEDGER_PROJECTIONS, type AnyProjection } from '@tollgate/projections';
import { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { PROJECTOR_OPTIONS, type ProjectorModuleOptions } from '../../../projector/src/projector.module';
import { PAYMENTS_SERVICE } from '../payments/payments.tokens';

/** A part of the product this process does not run (e.g. the portal alone): the page answers 503. */
export class AdminServiceUnavailable extends HttpException {
  constructor(what: string) {
    super({ statusCode: 503, code: 'NOT_CONFIGURED', message: `${what} is not available here.` }, 503);
  }
}

/**
 * The write services the admin pages drive, found in the modules beside the portal (the all-in-one app
 * registers the gateway, payments, ledger and projector next to it). Resolved per call, so the portal
 * module stays importable alone; whatever is missing answers 503 on the pages that need it.
 */
@Injectable()
export class AdminServices {
  constructor(private readonly moduleRef: ModuleRef) {}

  private find<T>(token: unknown, what: string): T {
    try {
      return this.moduleRef.get<T>(token as never, { strict: false });
    } catch {
      throw new AdminServiceUnavailable(what);
    }
  }

  gatewayAdmin(): GatewayAdmin {
    return this.find<GatewayAdmin>(GatewayAdmin, 'The gateway catalog');
  }

  payments(): PaymentsService {
    return this.find<PaymentsService>(PAYMENTS_SERVICE, 'Payments');
  }

  commands(): CommandBus {
    return this.find<CommandBus>(CommandBus, 'The ledger');
  }

  eventStore(): EventStore {
    return this.find<EventStore>(EVENT_STORE, 'The event store');
  }

  /** The read models this process projects (the ones the projector runs). */
  projections(): readonly AnyProjection[] {
    const options = this.find<ProjectorModuleOptions>(PROJECTOR_OPTIONS, 'The projector');
    // The projector's own default when the host names none.
    return options.projections ?? LEDGER_PROJECTIONS;
  }
}
