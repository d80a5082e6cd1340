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
import { LEDGER_MAX_ATTEMPTS } from './run-ledger-command';
import { StreamCommandRunner } from './stream-command-runner';
import { EVENT_STORE } from './tokens';

/** One runner (state cache + per-stream queue) per app instance, over the app's EventStore. */
export const STREAM_COMMAND_RUNNER_PROVIDER: Provider = {
  provide: StreamCommandRunner,
  useFactory: (store: EventStore) => new StreamCommandRunner(store, { maxAttempts: LEDGER_MAX_ATTEMPTS }),
  inject: [EVENT_STORE],
};

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
  providers: [STREAM_COMMAND_RUNNER_PROVIDER, ...LEDGER_COMMAND_HANDLERS],
  exports: [StreamCommandRunner],
})
export class LedgerModule {
  static forRoot(
    eventStore: Omit<ValueProvider<EventStore>, 'provide'> | Omit<FactoryProvider<EventStore>, 'provide'>,
  ): DynamicModule {
    const provider = { provide: EVENT_STORE, ...eventStore } as Provider;
    return {
      module: LedgerModule,
      imports: [CqrsModule],
      providers: [provider, STREAM_COMMAND_RUNNER_PROVIDER, ...LEDGER_COMMAND_HANDLERS],
      exports: [EVENT_STORE, StreamCommandRunner],
    };
  }
}
