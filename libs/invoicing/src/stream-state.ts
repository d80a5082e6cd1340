import type { Decider, EventStore } from '@tollgate/event-store';

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
