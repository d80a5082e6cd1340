import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  DomainError,
  type Decider,
  type EventMetadata,
  type EventStore,
} from '@tollgate/event-store';
import { paymentError } from '../errors';

/** Bound on optimistic-concurrency retries; after the first winner most racers decide "nothing to do". */
export const MAX_COMMAND_ATTEMPTS = 12;
/** Bound on one stream read (payment, billing-profile and catalogue streams are short). */
export const MAX_STREAM_EVENTS = 10_000;

export interface TypedEvent {
  type: string;
  data: unknown;
}

export interface HandleResult<TEvent, TState> {
  /** Events this call appended (empty when the command was a no-op or a repeat). */
  appended: readonly TEvent[];
  state: TState;
}

export async function loadState<TCommand, TEvent extends TypedEvent, TState>(
  store: EventStore,
  streamId: string,
  decider: Decider<TCommand, TEvent, TState>,
  parse: (type: string, data: unknown) => TEvent | null,
): Promise<{ state: TState; revision: bigint | 'no_stream' }> {
  const recorded = await store.readStream(streamId, { maxCount: MAX_STREAM_EVENTS });
  let state = decider.initialState();
  for (const e of recorded) {
    const parsed = parse(e.type, e.data);
    if (parsed) state = decider.evolve(state, parsed);
  }
  const last = recorded.at(-1);
  return { state, revision: last ? last.revision : 'no_stream' };
}

/**
 * read → decide → append at the revision read; a concurrency conflict re-runs the loop a bounded
 * number of times with a little jitter. A DomainError comes back as a value, never as a throw.
 */
export async function handleCommand<TCommand, TEvent extends TypedEvent, TState>(args: {
  store: EventStore;
  streamId: string;
  decider: Decider<TCommand, TEvent, TState>;
  parse: (type: string, data: unknown) => TEvent | null;
  command: TCommand;
  metadata?: EventMetadata;
}): Promise<HandleResult<TEvent, TState> | DomainError> {
  const { store, streamId, decider, parse, command, metadata } = args;
  for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
    const { state, revision } = await loadState(store, streamId, decider, parse);
    const decided = decider.decide(command, state);
    if (decided instanceof DomainError) return decided;
    if (decided.length === 0) return { appended: [], state };
    try {
      await store.append(
        streamId,
        decided.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: metadata ?? {} })),
        { expectedRevision: revision },
      );
    } catch (err) {
      if (err instanceof ConcurrencyError) {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * attempt)));
        continue;
      }
      throw err;
    }
    const next = decided.reduce((s, e) => decider.evolve(s, e), state);
    return { appended: decided, state: next };
  }
  return paymentError(
    'CONCURRENCY_RETRIES_EXHAUSTED',
    `gave up on ${streamId} after ${MAX_COMMAND_ATTEMPTS} conflicts`,
  );
}
