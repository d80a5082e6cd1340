/**
 * A decider is the pure heart of a stream: commands in, events out. It never does I/O; time, ids and
 * prices come in through the command.
 */
export interface Decider<TCommand, TEvent, TState> {
  decide(command: TCommand, state: TState): readonly TEvent[] | DomainError;
  evolve(state: TState, event: TEvent): TState;
  initialState(): TState;
}

/** A rejected command. `code` is stable (mapped to HTTP/CLI errors in one place); `details` is data. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
