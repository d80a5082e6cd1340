import { randomUUID } from 'node:crypto';
import { isDomainError, type Decider } from './decider';
import {
  ConcurrencyError,
  type EventMetadata,
  type EventStore,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
} from './event-store';

/** What a decider emits: the event without its envelope. */
export interface DecidedEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

export interface HandleCommandOptions<TCommand, TEvent extends DecidedEvent, TState> {
  store: EventStore;
  streamId: string;
  decider: Decider<TCommand, TEvent, TState>;
  command: TCommand;
  /** Read-decide-append attempts before a ConcurrencyError is rethrown. */
  maxAttempts?: number;
  /** Stamped on every appended event (correlation, causation, actor, idempotency key). */
  metadata?: EventMetadata;
  /** Turns a stored event into the decider's event (validation, upcasting). Default: its type and data. */
  parse?: (event: RecordedEvent) => TEvent;
}

export interface HandleCommandResult<TEvent, TState> {
  /** The events this command appended (empty when the decider decided nothing). */
  events: TEvent[];
  /** The stream's state after the command. */
  state: TState;
  /** The stream's last revision now, or `no_stream` if it is still empty. */
  nextExpectedRevision: bigint | 'no_stream';
  /** Global position of the last appended event, when something was appended. */
  position?: GlobalPosition;
  attempts: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_ATTEMPTS_LIMIT = 100;

function defaultParse<TEvent extends DecidedEvent>(event: RecordedEvent): TEvent {
  return { type: event.type, data: event.data } as TEvent;
}

/**
 * The write loop beside the port: read the stream, fold it, decide, append with the revision read.
 * A concurrent append to the same stream makes the append fail; the whole loop then re-runs on the
 * fresh stream, at most `maxAttempts` times. A DomainError from the decider is thrown unchanged.
 */
export async function handleCommand<TCommand, TEvent extends DecidedEvent, TState>(
  options: HandleCommandOptions<TCommand, TEvent, TState>,
): Promise<HandleCommandResult<TEvent, TState>> {
  const { store, streamId, decider, command, metadata } = options;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT)
    throw new RangeError(`invalid maxAttempts: ${maxAttempts}`);
  const parse = options.parse ?? defaultParse<TEvent>;

  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(streamId);
    let state = decider.initialState();
    for (const recorded of history) state = decider.evolve(state, parse(recorded));
    const current: bigint | 'no_stream' =
      history.length === 0 ? 'no_stream' : history[history.length - 1].revision;

    const decided = decider.decide(command, state);
    if (isDomainError(decided)) throw decided;
    const events = [...decided];
    if (events.length === 0) return { events, state, nextExpectedRevision: current, attempts: attempt };

    const toAppend: NewEvent[] = events.map((e) => ({
      id: randomUUID(),
      type: e.type,
      data: e.data,
      metadata: metadata ? { ...metadata } : {},
    }));
    try {
      const result = await store.append(streamId, toAppend, { expectedRevision: current });
      for (const e of events) state = decider.evolve(state, e);
      return {
        events,
        state,
        nextExpectedRevision: result.nextExpectedRevision,
        position: result.position,
        attempts: attempt,
      };
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
    }
  }
}
