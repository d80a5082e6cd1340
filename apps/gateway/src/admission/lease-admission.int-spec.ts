import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DomainError, migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import { DEFAULT_LEASE_ADMISSION, LeaseAdmission, type UsageRecord } from '@tollgate/gateway-core';
import {
  accountDecider,
  accountStream,
  availableNanocredits,
  parseAccountEvent,
  usageStream,
} from '@tollgate/ledger';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { EventStoreLeaseLedger, runAccountCommand } from './ledger-lease-ledger';

function usage(accountId: string, priceNanocredits: bigint): UsageRecord {
  return {
    requestId: `req_${randomUUID()}`,
    accountId,
    workspaceId: 'ws',
    apiKeyId: 'key',
    alias: 'gpt',
    provider: 'p',
    deployment: 'd',
    upstreamModel: 'm',
    promptTokens: 10,
    cachedTokens: 0,
    completionTokens: 5,
    reasoningTokens: 0,
    estimated: false,
    providerCostNanocredits: priceNanocredits / 2n,
    priceNanocredits,
    latencyMs: 1,
    status: 'succeeded',
    attempts: [{ deployment: 'd', provider: 'p', status: 'succeeded', latencyMs: 1 }],
    occurredAt: new Date(),
  };
}

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(30_000);

describe('lease admission over the ledger (real Postgres event store)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 10 });
    await migrateEventStore(pool);
    store = new PostgresEventStore({ pool });
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });

  async function fund(accountId: string, amountNanocredits: bigint): Promise<void> {
    const now = new Date().toISOString();
    const opened = await runAccountCommand(store, {
      type: 'OpenAccount',
      accountId,
      idempotencyKey: `open-${accountId}`,
      now,
      workspaceId: 'ws',
      creditCurrency: 'EUR',
      overdraftLimitNanocredits: 0n,
    });
    if (opened instanceof DomainError) throw opened;
    const granted = await runAccountCommand(store, {
      type: 'GrantCredits',
      accountId,
      idempotencyKey: `grant-${accountId}`,
      now,
      grantId: `grant-${accountId}`,
      amountNanocredits,
      kind: 'manual',
      reason: 'spec',
      actor: 'spec',
    });
    if (granted instanceof DomainError) throw granted;
  }

  async function available(accountId: string): Promise<bigint> {
    let state = accountDecider.initialState();
    for (const e of await store.readStream(`account-${accountId}`))
      state = accountDecider.evolve(state, parseAccountEvent(e.type, e.data)!);
    if (state.status !== 'open') throw new Error('not open');
    return availableNanocredits(state.totals);
  }

  const errors: string[] = [];
  afterEach(() => {
    expect(errors).toEqual([]);
    errors.length = 0;
  });

  function admission(
    holder: string,
    overrides: Partial<typeof DEFAULT_LEASE_ADMISSION> = {},
  ): LeaseAdmission {
    return new LeaseAdmission(new EventStoreLeaseLedger(store, holder), {
      ...DEFAULT_LEASE_ADMISSION,
      ...overrides,
      holder,
      now: () => Date.now(),
      onError: (message, err) => void errors.push(`${message}: ${String(err)}`),
    });
  }

  it('given two gateway instances admitting 200 concurrent requests against one account, when all settle, then the account never went below zero and paid exactly what was charged', async () => {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const funded = 1_000_000n;
    await fund(accountId, funded);
    const gateways = [
      admission('gw-1', { minLeaseNanocredits: 200_000n }),
      admission('gw-2', { minLeaseNanocredits: 200_000n }),
    ];
    const worstCase = 30_000n;
    const price = 25_000n;
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const gw = gateways[i % 2];
        const ticket = await gw.admit(accountId, worstCase);
        if (!ticket) return 0n;
        await new Promise<void>((ok) => setTimeout(ok, Math.floor(Math.random() * 5)));
        gw.settle(ticket, usage(accountId, price));
        return price;
      }),
    );
    await Promise.all(gateways.map((g) => g.close()));
    const charged = outcomes.reduce<bigint>((a, b) => a + b, 0n);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(funded);
    const left = await available(accountId);
    expect(left).toBeGreaterThanOrEqual(0n);
    expect(funded - left).toBe(charged);
    // Read per usage stream (not $all, whose readers only see transactions older than every one still
    // running on the server, which other work on a shared server can hold back).
    let usageEvents = 0;
    for (const e of await store.readStream(accountStream(accountId)))
      if (e.type === 'CreditLeaseReserved') {
        const { leaseId } = e.data as { leaseId: string };
        const events = await store.readStream(usageStream(accountId, leaseId));
        usageEvents += events.filter((u) => u.type === 'UsageRecorded').length;
      }
    expect(BigInt(usageEvents) * price).toBe(charged);
  });

  it('given a settled lease, when the next one is reserved, then it is sized from the last lease spend (bounded below by the minimum)', async () => {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    await fund(accountId, 10_000_000_000n);
    const gw = admission('gw-size', { minLeaseNanocredits: 1_000_000n });
    for (let i = 0; i < 11; i++)
      gw.settle((await gw.admit(accountId, 300_000n))!, usage(accountId, 300_000n));
    await gw.close();
    const reserved = (await store.readStream(`account-${accountId}`))
      .filter((e) => e.type === 'CreditLeaseReserved')
      .map((e) => (e.data as { amountNanocredits: string }).amountNanocredits);
    // 1st: the minimum (3 requests fit); then twice what the retiring lease was used for: 2 × 900 000,
    // then 2 × 1 800 000 (6 requests).
    expect(reserved).toEqual(['1000000', '1800000', '3600000']);
  });
});
