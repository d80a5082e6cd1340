import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
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
import { StreamCommandRunner } from '../stream-command-runner';

// Thin: each handler hands its domain command to the read → decide → append loop (StreamCommandRunner).

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: OpenAccountCommand) {
    return runAccountCommand(this.runner, { type: 'OpenAccount', ...c.payload }, c.metadata);
  }
}

@CommandHandler(PurchaseCreditsCommand)
export class PurchaseCreditsHandler implements ICommandHandler<PurchaseCreditsCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: PurchaseCreditsCommand) {
    return runAccountCommand(this.runner, { type: 'PurchaseCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(GrantCreditsCommand)
export class GrantCreditsHandler implements ICommandHandler<GrantCreditsCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: GrantCreditsCommand) {
    return runAccountCommand(this.runner, { type: 'GrantCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(RefundCreditsCommand)
export class RefundCreditsHandler implements ICommandHandler<RefundCreditsCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: RefundCreditsCommand) {
    return runAccountCommand(this.runner, { type: 'RefundCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(AdjustCreditsCommand)
export class AdjustCreditsHandler implements ICommandHandler<AdjustCreditsCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: AdjustCreditsCommand) {
    return runAccountCommand(this.runner, { type: 'AdjustCredits', ...c.payload }, c.metadata);
  }
}

@CommandHandler(ChangeOverdraftLimitCommand)
export class ChangeOverdraftLimitHandler implements ICommandHandler<ChangeOverdraftLimitCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: ChangeOverdraftLimitCommand) {
    return runAccountCommand(this.runner, { type: 'ChangeOverdraftLimit', ...c.payload }, c.metadata);
  }
}

@CommandHandler(ReserveLeaseCommand)
export class ReserveLeaseHandler implements ICommandHandler<ReserveLeaseCommand> {
  constructor(private readonly runner: StreamCommandRunner) {}
  execute(c: ReserveLeaseCommand) {
    return runAccountCommand(this.runner, { type: 'ReserveLease', ...c.payload }, c.metadata);
  }
}
