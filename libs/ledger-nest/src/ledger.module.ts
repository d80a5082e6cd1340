import { DynamicModule, FactoryProvider, Module, Provider, ValueProvider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@tollgate/event-store';
import {
  AdjustCreditsHandler,
  ChangeOverdraftLimitHandler,
  GrantCreditsHandler,
  OpenAccountHandler,
  PurchaseCreditsHandler,
  RefundCreditsHandler,
  ReserveLeaseHandler,
} from './handlers/account.handlers';
import { ExpireLeaseHandler, RecordUsageBatchHandler, SettleLeaseHandler } from './handlers/lease.handlers';
import { EVENT_STORE } from './tokens';

export const LEDGER_COMMAND_HANDLERS = [
  OpenAccountHandler,
  PurchaseCreditsHandler,
  GrantCreditsHandler,
  RefundCreditsHandler,
  AdjustCreditsHandler,
  ChangeOverdraftLimitHandler,
  ReserveLeaseHandler,
  SettleLeaseHandler,
  ExpireLeaseHandler,
  RecordUsageBatchHandler,
];

/**
 * Ledger command handlers on the CommandBus. The app must make EVENT_STORE injectable: either from a
 * @Global() module (then import LedgerModule as is), or via `LedgerModule.forRoot({ useFactory | useValue })`.
 * The app imports `CqrsModule.forRoot()` once at its root.
 */
@Module({
  imports: [CqrsModule],
  providers: [...LEDGER_COMMAND_HANDLERS],
})
export class LedgerModule {
  static forRoot(
    eventStore: Omit<ValueProvider<EventStore>, 'provide'> | Omit<FactoryProvider<EventStore>, 'provide'>,
  ): DynamicModule {
    const provider = { provide: EVENT_STORE, ...eventStore } as Provider;
    return {
      module: LedgerModule,
      imports: [CqrsModule],
      providers: [provider, ...LEDGER_COMMAND_HANDLERS],
      exports: [EVENT_STORE],
    };
  }
}
