import { describe } from '@jest/globals';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const url = process.env.EVENTSTORE_URL;

// No EventStoreDB server can run on the development machines; docker-compose (or CI) provides one.
const describeIfServer = url ? describe : describe.skip;
const title = url
  ? `eventstoredb at ${url}`
  : 'eventstoredb — SKIPPED: EVENTSTORE_URL is unset (e.g. esdb://127.0.0.1:2113?tls=false)';

describeIfServer(title, () => {
  describeEventStoreContract('eventstoredb', async () => ({
    store: new EventStoreDbEventStore({ connectionString: url as string }),
    dispose: async () => undefined,
  }));
});
