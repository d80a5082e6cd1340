import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  DomainError,
  EventStore,
  handleCommand,
  PostgresEventStore,
} from '@tollgate/event-store';
import {
  AccountCommand,
  accountDecider,
  accountStream,
  MalformedEventError,
  OpenAccountState,
} from '@tollgate/ledger';
import { createTestDatabase, TestDatabase } from '@tollgate/testing';
import { accountStreamSpec, parseAccountRecord } from './run-ledger-command';
import { StreamCommandRunner } from './stream-command-runner';

const C = 1_000_000_000n;
const T0 = '2026-01-01T00:00:00.000Z';

const open = (accountId: string): AccountCommand => ({
  type: 'OpenAccount',
  accountId,
  idempotencyKey: `open-${accountId}`,
  now: T0,
  workspaceId: 'ws',
  creditCurrency: 'EUR',
  overdraftLimitNanocredits: 0n,
});
const grant = (accountId: string, id: string, amountNanocredits = C): AccountCommand => ({
  type: 'GrantCredits',
  accountId,
  idempotencyKey: id,
  now: T0,
  grantId: id,
  amountNanocredits,
  kind: 'manual',
  reason: 'test',
  actor: 'admin',
});

/**
 * The real Postgres store, plus a real second writer that appends a grant to the same stream just
 * before each of the runner's first `interleave` appends — a deterministic cross-process conflict.
 */
function interleavingStore(store: EventStore, accountId: string, interleave: number): EventStore {
  let remaining = interleave;
  return Object.assign(Object.create(store) as EventStore, {
    append: async (...args: Parameters<EventStore['append']>) => {
      if (remaining > 0) {
        remaining -= 1;
        await handleCommand({
          store,
          streamId: accountStream(accountId),
          decider: accountDecider,
          command: grant(accountId, `other-${randomUUID()}`),
          parse: parseAccountRecord,
        });
      }
      return store.append(...args);
    },
  });
}

describe('StreamCommandRunner on Postgres', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 4 });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const available = (runner: StreamCommandRunner, accountId: string) =>
    runner.read(accountStreamSpec(accountId), (s) => (s as OpenAccountState).totals.creditedNanocredits);

  it('given another process appends before each of 3 appends, when maxAttempts is 4, then the command succeeds on attempt 4 having seen all foreign events', async () => {
    await new StreamCommandRunner(store).run(accountStreamSpec('acc-a'), open('acc-a'));
    const runner = new StreamCommandRunner(interleavingStore(store, 'acc-a', 3), { maxAttempts: 4 });
    const result = await runner.run(accountStreamSpec('acc-a'), grant('acc-a', 'mine'));
    expect(result.attempts).toBe(4);
    expect(await available(runner, 'acc-a')).toBe(4n * C);
    expect((await store.readStream(accountStream('acc-a'))).length).toBe(5);
  });

  it('given another process appends before each of 3 appends, when maxAttempts is 3, then the ConcurrencyError surfaces', async () => {
    await new StreamCommandRunner(store).run(accountStreamSpec('acc-b'), open('acc-b'));
    const runner = new StreamCommandRunner(interleavingStore(store, 'acc-b', 3), { maxAttempts: 3 });
    await expect(runner.run(accountStreamSpec('acc-b'), grant('acc-b', 'mine'))).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
  });

  it('given a cached state, when other writers append many events, then the runner catches up page by page', async () => {
    const writer = new StreamCommandRunner(store);
    const reader = new StreamCommandRunner(store, { readPageSize: 3 });
    await writer.run(accountStreamSpec('acc-c'), open('acc-c'));
    expect(await available(reader, 'acc-c')).toBe(0n);
    for (let i = 0; i < 10; i++) await writer.run(accountStreamSpec('acc-c'), grant('acc-c', `g${i}`));
    expect(await available(reader, 'acc-c')).toBe(10n * C);
    const replay = await reader.run(accountStreamSpec('acc-c'), grant('acc-c', 'g3'));
    expect(replay.events).toEqual([]);
    expect(replay.nextExpectedRevision).toBe(10n);
  });

  it('given a corrupt event in a stream, when a command runs, then MalformedEventError and no state is cached from it', async () => {
    const runner = new StreamCommandRunner(store);
    await runner.run(accountStreamSpec('acc-d'), open('acc-d'));
    await store.append(
      accountStream('acc-d'),
      [{ id: randomUUID(), type: 'CreditsGranted', data: { amountNanocredits: 1.5 } }],
      { expectedRevision: 0n },
    );
    await expect(runner.run(accountStreamSpec('acc-d'), grant('acc-d', 'x'))).rejects.toBeInstanceOf(
      MalformedEventError,
    );
    await expect(runner.run(accountStreamSpec('acc-d'), grant('acc-d', 'x'))).rejects.toBeInstanceOf(
      MalformedEventError,
    );
  });

  it('given a queue limit of 2 per stream, when 6 commands hit one stream at once, then the overflow gets STREAM_BUSY and the rest succeed', async () => {
    const runner = new StreamCommandRunner(store, { maxQueuedPerStream: 2 });
    await runner.run(accountStreamSpec('acc-e'), open('acc-e'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => runner.run(accountStreamSpec('acc-e'), grant('acc-e', `e${i}`))),
    );
    const busy = outcomes.filter(
      (o) => o.status === 'rejected' && o.reason instanceof DomainError && o.reason.code === 'STREAM_BUSY',
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(busy).toHaveLength(4);
  });
});
