import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EventStore } from '@tollgate/event-store';
import {
  AdjustCreditsCommand,
  ChangeOverdraftLimitCommand,
  GrantCreditsCommand,
  OpenAccountCommand,
  PurchaseCreditsCommand,
  RefundCreditsCommand,
  ReserveLeaseCommand,
} from '../commands';
import { runAccountCommand } from '../run-ledger-command';
import { EVENT_STORE } from '../tokens';

// Thin: each handler hands its domain command to the generic read → decide → append loop.

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: OpenAccountCommand) {
    return runAccountCommand(this.store, { type: 'OpenAccount', ...c.payload }, c.metadata);
  }
}

@CommandHandler(PurchaseCreditsCommand)
export class PurchaseCreditsHandler implements ICommandHandler<PurchaseCreditsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: PurchaseCreditsCommand) {
    return runAccountCommand(this.store, { type: 'PurchaseCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(GrantCreditsCommand)
export class GrantCreditsHandler implements ICommandHandler<GrantCreditsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: GrantCreditsCommand) {
    return runAccountCommand(this.store, { type: 'GrantCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(RefundCreditsCommand)
export class RefundCreditsHandler implements ICommandHandler<RefundCreditsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: RefundCreditsCommand) {
    return runAccountCommand(this.store, { type: 'RefundCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(AdjustCreditsCommand)
export class AdjustCreditsHandler implements ICommandHandler<AdjustCreditsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: AdjustCreditsCommand) {
    return runAccountCommand(this.store, { type: 'AdjustCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(ChangeOverdraftLimitCommand)
export class ChangeOverdraftLimitHandler implements ICommandHandler<ChangeOverdraftLimitCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: ChangeOverdraftLimitCommand) {
    return runAccountCommand(this.store, { type: 'ChangeOverdraftLimit', ...c.payload }, c.metadata);
  }
}

@CommandHandler(ReserveLeaseCommand)
export class ReserveLeaseHandler implements ICommandHandler<ReserveLeaseCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  execute(c: ReserveLeaseCommand) {
    return runAccountCommand(this.store, { type: 'ReserveLease', ...c.payload }, c.metadata);
  }
}
