import { randomUUID } from 'node:crypto';
import {
  DomainError,
  isConcurrencyError,
  type Decider,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
} from '@tollgate/event-store';

export interface DecodedStreamEvent<TEvent> {
  event: TEvent;
  revision: bigint;
}

export interface RunCommandOptions<TCommand, TEvent extends { type: string; data: unknown }, TState> {
  store: EventStore;
  streamId: string;
  decider: Decider<TCommand, TEvent, TState>;
  command: TCommand;
  decode(type: string, data: unknown): TEvent | null;
  metadata?: EventMetadata;
  /** Re-runs after a concurrency conflict; bounded. */
  maxAttempts?: number;
}

export interface RunCommandResult<TEvent, TState> {
  events: readonly TEvent[];
  state: TState;
  /** Revision of the stream's last event after the command, or null for an empty stream. */
  revision: bigint | null;
}

const STREAM_PAGE = 1000;
const MAX_STREAM_EVENTS = 100_000;

/** Folds a whole stream into state; bounded so a runaway stream fails loudly. */
export async function loadState<TCommand, TEvent extends { type: string; data: unknown }, TState>(
  store: EventStore,
  streamId: string,
  decider: Decider<TCommand, TEvent, TState>,
  decode: (type: string, data: unknown) => TEvent | null,
): Promise<{ state: TState; revision: bigint | null }> {
  let state = decider.initialState();
  let revision: bigint | null = null;
  let from = 0n;
  for (let read = 0; read < MAX_STREAM_EVENTS; read += STREAM_PAGE) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: STREAM_PAGE });
    for (const recorded of page) {
      const event = decode(recorded.type, recorded.data);
      if (event) state = decider.evolve(state, event);
      revision = recorded.revision;
    }
    if (page.length < STREAM_PAGE) return { state, revision };
    from = (revision as bigint) + 1n;
  }
  throw new Error(`stream ${streamId} has more than ${MAX_STREAM_EVENTS} events`);
}

/**
 * Read → decide → append with the revision read; re-run on a conflict (bounded). A DomainError is
 * thrown. Kept here until `handleCommand` lands beside the EventStore port; same contract.
 */
export async function runCommand<TCommand, TEvent extends { type: string; data: unknown }, TState>(
  options: RunCommandOptions<TCommand, TEvent, TState>,
): Promise<RunCommandResult<TEvent, TState>> {
  const { store, streamId, decider, command, decode } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await loadState(store, streamId, decider, decode);
    const result = decider.decide(command, state);
    if (result instanceof DomainError) throw result;
    if (result.length === 0) return { events: [], state, revision };
    const expectedRevision: ExpectedRevision = revision === null ? 'no_stream' : revision;
    try {
      const appended = await store.append(
        streamId,
        result.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: options.metadata })),
        { expectedRevision },
      );
      const next = result.reduce((s, e) => decider.evolve(s, e), state);
      return { events: result, state: next, revision: appended.nextExpectedRevision };
    } catch (err) {
      if (!isConcurrencyError(err) || attempt >= maxAttempts) throw err;
    }
  }
}
