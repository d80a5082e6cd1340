import { Test, TestingModule } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { DomainError, PostgresEventStore } from '@tollgate/event-store';
import {
  accountBalanceDelta,
  accountStream,
  addBalanceTotals,
  availableNanocredits,
  parseAccountEvent,
  parseUsageEvent,
  postedNanocredits,
  UsageRecordInput,
  usageStream,
  zeroBalanceTotals,
} from '@tollgate/ledger';
import { createTestDatabase, TestDatabase } from '@tollgate/testing';
import {
  ExpireLeaseCommand,
  GrantCreditsCommand,
  OpenAccountCommand,
  RecordUsageBatchCommand,
  ReserveLeaseCommand,
  SettleLeaseCommand,
} from './commands';
import { LedgerModule } from './ledger.module';

const C = 1_000_000_000n;
const T0 = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function usage(
  requestId: string,
  priceNanocredits: bigint,
  o: Partial<UsageRecordInput> = {},
): UsageRecordInput {
  return {
    requestId,
    workspaceId: 'ws-1',
    apiKeyId: 'key-1',
    alias: 'fast',
    provider: 'openai',
    deployment: 'openai-main',
    upstreamModel: 'gpt-4o-mini',
    promptTokens: 100,
    cachedTokens: 0,
    completionTokens: 50,
    reasoningTokens: 0,
    estimated: false,
    providerCostNanocredits: priceNanocredits / 2n,
    priceNanocredits,
    latencyMs: 12,
    status: 'succeeded',
    attempts: [{ deployment: 'openai-main', provider: 'openai', status: 'succeeded', latencyMs: 11 }],
    occurredAt: T0,
    ...o,
  };
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError, the command succeeded');
}

describe('ledger commands through the Nest CommandBus on the Postgres event store', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let moduleRef: TestingModule;
  let bus: CommandBus;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 8 });
    await store.migrate();
    moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), LedgerModule.forRoot({ useValue: store })],
    }).compile();
    await moduleRef.init();
    bus = moduleRef.get(CommandBus);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await store?.close();
    await db?.drop();
  });

  async function accountTotals(accountId: string) {
    const events = await store.readStream(accountStream(accountId));
    return events.reduce(
      (t, e) => addBalanceTotals(t, accountBalanceDelta(parseAccountEvent(e.type, e.data)!)),
      zeroBalanceTotals(),
    );
  }

  async function openAndGrant(accountId: string, credits: bigint) {
    await bus.execute(
      new OpenAccountCommand({
        accountId,
        idempotencyKey: `open-${accountId}`,
        now: T0,
        workspaceId: 'ws-1',
        creditCurrency: 'EUR',
        overdraftLimitNanocredits: 0n,
      }),
    );
    await bus.execute(
      new GrantCreditsCommand({
        accountId,
        idempotencyKey: `grant-${accountId}`,
        now: T0,
        grantId: `grant-${accountId}`,
        amountNanocredits: credits,
        kind: 'promotional',
        reason: 'test',
        actor: 'admin-1',
      }),
    );
  }

  it('given an open account with 10 credits, when a lease is reserved, usage recorded and the lease settled, then the streams and balance agree to the nanocredit', async () => {
    await openAndGrant('acc-flow', 10n * C);
    const reserved = await bus.execute(
      new ReserveLeaseCommand({
        accountId: 'acc-flow',
        idempotencyKey: 'reserve-l1',
        now: T0,
        leaseId: 'l1',
        holder: 'gw-1',
        amountNanocredits: 4n * C,
        ttlMs: 60_000,
      }),
    );
    expect(reserved.events.map((e) => e.type)).toEqual(['CreditLeaseReserved']);

    const batch = new RecordUsageBatchCommand({
      accountId: 'acc-flow',
      leaseId: 'l1',
      leaseAmountNanocredits: 4n * C,
      records: [
        usage('r1', 1_234_567_891n),
        usage('r2', 0n, { status: 'failed' }),
        usage('r3', 765_432_109n),
      ],
    });
    expect((await bus.execute(batch)).events).toHaveLength(3);
    expect((await bus.execute(batch)).events).toHaveLength(0); // same requests again: nothing new

    const settled = await bus.execute(
      new SettleLeaseCommand({
        accountId: 'acc-flow',
        leaseId: 'l1',
        holder: 'gw-1',
        idempotencyKey: 'settle-l1',
        now: at(30_000),
      }),
    );
    expect(settled.spentNanocredits).toBe(2n * C);
    expect(settled.usageCount).toBe(3);
    expect(settled.events[0].data).toMatchObject({
      spentNanocredits: '2000000000',
      releasedNanocredits: '2000000000',
    });

    // replaying the settlement changes nothing
    const again = await bus.execute(
      new SettleLeaseCommand({
        accountId: 'acc-flow',
        leaseId: 'l1',
        holder: 'gw-1',
        idempotencyKey: 'settle-l1',
        now: at(31_000),
      }),
    );
    expect(again.events).toEqual([]);

    const accountEvents = await store.readStream(accountStream('acc-flow'));
    expect(accountEvents.map((e) => e.type)).toEqual([
      'AccountOpened',
      'CreditsGranted',
      'CreditLeaseReserved',
      'CreditLeaseSettled',
    ]);
    expect(accountEvents[2].metadata.idempotencyKey).toBe('reserve-l1');
    const usageEvents = await store.readStream(usageStream('acc-flow', 'l1'));
    expect(usageEvents.map((e) => e.type)).toEqual([
      'UsageRecorded',
      'UsageRecorded',
      'UsageRecorded',
      'UsageStreamClosed',
    ]);
    const usageSum = usageEvents
      .map((e) => parseUsageEvent(e.type, e.data)!)
      .reduce((s, e) => (e.type === 'UsageRecorded' ? s + BigInt(e.data.priceNanocredits) : s), 0n);
    expect(usageSum).toBe(2n * C);

    const totals = await accountTotals('acc-flow');
    expect(postedNanocredits(totals)).toBe(8n * C);
    expect(availableNanocredits(totals)).toBe(8n * C);
  });

  it('given a lease whose holder vanished, when expired too early it is refused and usage stays open; when expired later, usage is closed and the holder can neither add usage nor settle', async () => {
    await openAndGrant('acc-exp', 5n * C);
    await bus.execute(
      new ReserveLeaseCommand({
        accountId: 'acc-exp',
        idempotencyKey: 'reserve-x',
        now: T0,
        leaseId: 'x',
        holder: 'gw-gone',
        amountNanocredits: 3n * C,
        ttlMs: 10_000,
      }),
    );
    await bus.execute(
      new RecordUsageBatchCommand({
        accountId: 'acc-exp',
        leaseId: 'x',
        leaseAmountNanocredits: 3n * C,
        records: [usage('q1', C)],
      }),
    );

    const early = await rejection(
      bus.execute(
        new ExpireLeaseCommand({
          accountId: 'acc-exp',
          leaseId: 'x',
          idempotencyKey: 'exp-x',
          now: at(9_999),
        }),
      ),
    );
    expect(early.code).toBe('LEASE_NOT_EXPIRED');
    expect((await store.readStream(usageStream('acc-exp', 'x'))).map((e) => e.type)).toEqual([
      'UsageRecorded',
    ]);

    const expired = await bus.execute(
      new ExpireLeaseCommand({
        accountId: 'acc-exp',
        leaseId: 'x',
        idempotencyKey: 'exp-x',
        now: at(10_000),
      }),
    );
    expect(expired.events[0].data).toMatchObject({
      spentNanocredits: '1000000000',
      releasedNanocredits: '2000000000',
    });

    const late = await rejection(
      bus.execute(
        new RecordUsageBatchCommand({
          accountId: 'acc-exp',
          leaseId: 'x',
          leaseAmountNanocredits: 3n * C,
          records: [usage('q2', C)],
        }),
      ),
    );
    expect(late.code).toBe('USAGE_STREAM_CLOSED');
    const settle = await rejection(
      bus.execute(
        new SettleLeaseCommand({
          accountId: 'acc-exp',
          leaseId: 'x',
          holder: 'gw-gone',
          idempotencyKey: 's-x',
          now: at(11_000),
        }),
      ),
    );
    expect(settle.code).toBe('LEASE_ALREADY_CLOSED');
    expect(availableNanocredits(await accountTotals('acc-exp'))).toBe(4n * C);
  });

  it('given a lease of gw-1, when gw-2 tries to settle it, then LEASE_HOLDER_MISMATCH and the usage stream stays open', async () => {
    await openAndGrant('acc-holder', 5n * C);
    await bus.execute(
      new ReserveLeaseCommand({
        accountId: 'acc-holder',
        idempotencyKey: 'reserve-h',
        now: T0,
        leaseId: 'h',
        holder: 'gw-1',
        amountNanocredits: C,
        ttlMs: 10_000,
      }),
    );
    const err = await rejection(
      bus.execute(
        new SettleLeaseCommand({
          accountId: 'acc-holder',
          leaseId: 'h',
          holder: 'gw-2',
          idempotencyKey: 's-h',
          now: at(1),
        }),
      ),
    );
    expect(err.code).toBe('LEASE_HOLDER_MISMATCH');
    expect(await store.readStream(usageStream('acc-holder', 'h'))).toEqual([]);
  });

  it('given a balance covering 5 leases, when 20 ReserveLease commands race, then exactly 5 succeed and 15 get INSUFFICIENT_CREDITS', async () => {
    await openAndGrant('acc-race', 5n * C);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        bus.execute(
          new ReserveLeaseCommand({
            accountId: 'acc-race',
            idempotencyKey: `race-${i}`,
            now: T0,
            leaseId: `race-${i}`,
            holder: `gw-${i}`,
            amountNanocredits: C,
            ttlMs: 60_000,
          }),
        ),
      ),
    );
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const codes = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) => (o.reason instanceof DomainError ? o.reason.code : String(o.reason)));
    expect(fulfilled).toHaveLength(5);
    expect(codes).toEqual(Array(15).fill('INSUFFICIENT_CREDITS'));
    const reserved = (await store.readStream(accountStream('acc-race'))).filter(
      (e) => e.type === 'CreditLeaseReserved',
    );
    expect(reserved).toHaveLength(5);
    expect(availableNanocredits(await accountTotals('acc-race'))).toBe(0n);
  });

  it('given two app instances (own caches) on one account covering 5 leases, when 20 ReserveLease commands race across them, then exactly 5 succeed, 15 get INSUFFICIENT_CREDITS and no ConcurrencyError escapes', async () => {
    const other = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), LedgerModule.forRoot({ useValue: store })],
    }).compile();
    await other.init();
    try {
      const buses = [bus, other.get(CommandBus)];
      await openAndGrant('acc-race-2', 5n * C);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          buses[i % 2].execute(
            new ReserveLeaseCommand({
              accountId: 'acc-race-2',
              idempotencyKey: `race2-${i}`,
              now: T0,
              leaseId: `race2-${i}`,
              holder: `gw-${i % 2}`,
              amountNanocredits: C,
              ttlMs: 60_000,
            }),
          ),
        ),
      );
      const codes = outcomes
        .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
        .map((o) => (o.reason instanceof DomainError ? o.reason.code : String(o.reason)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      expect(codes).toEqual(Array(15).fill('INSUFFICIENT_CREDITS'));
      expect(availableNanocredits(await accountTotals('acc-race-2'))).toBe(0n);

      // each instance's cached state caught up with the other's appends: a grant through one is seen by the other
      await buses[1].execute(
        new GrantCreditsCommand({
          accountId: 'acc-race-2',
          idempotencyKey: 'top-up',
          now: T0,
          grantId: 'top-up',
          amountNanocredits: C,
          kind: 'manual',
          reason: 'top up',
          actor: 'admin-1',
        }),
      );
      const reserved = await buses[0].execute(
        new ReserveLeaseCommand({
          accountId: 'acc-race-2',
          idempotencyKey: 'after-top-up',
          now: T0,
          leaseId: 'after-top-up',
          holder: 'gw-0',
          amountNanocredits: C,
          ttlMs: 60_000,
        }),
      );
      expect(reserved.events).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
