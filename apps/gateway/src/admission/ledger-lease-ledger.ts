import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  DomainError,
  type Decider,
  type EventStore,
  type ExpectedRevision,
} from '@tollgate/event-store';
import type { LeaseLedger, UsageRecord } from '@tollgate/gateway-core';
import {
  accountDecider,
  accountStream,
  parseAccountEvent,
  parseUsageEvent,
  usageDecider,
  usageStream,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type UsageCommand,
  type UsageEvent,
  type UsageState,
} from '@tollgate/ledger';

const MAX_CONFLICT_RETRIES = 8;

/**
 * Read → decide → append with the revision read; on a concurrency conflict, again (bounded).
 * Returns the appended events, or the decider's DomainError.
 */
export async function runCommand<C, E extends { type: string; data: unknown }, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  parse: (type: string, data: unknown) => E | null,
  command: C,
  idempotencyKey: string,
): Promise<readonly E[] | DomainError> {
  for (let attempt = 0; ; attempt++) {
    const recorded = await store.readStream(streamId);
    let state = decider.initialState();
    for (const r of recorded) {
      const event = parse(r.type, r.data);
      if (event) state = decider.evolve(state, event);
    }
    const decided = decider.decide(command, state);
    if (decided instanceof DomainError || decided.length === 0) return decided;
    const expected: ExpectedRevision =
      recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1].revision;
    try {
      await store.append(
        streamId,
        decided.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { idempotencyKey } })),
        { expectedRevision: expected },
      );
      return decided;
    } catch (err) {
      if (err instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}

export function runAccountCommand(
  store: EventStore,
  command: AccountCommand,
): Promise<readonly AccountEvent[] | DomainError> {
  return runCommand<AccountCommand, AccountEvent, AccountState>(
    store,
    accountStream(command.accountId),
    accountDecider,
    parseAccountEvent,
    command,
    command.idempotencyKey,
  );
}

export function runUsageCommand(
  store: EventStore,
  command: UsageCommand,
  idempotencyKey: string,
): Promise<readonly UsageEvent[] | DomainError> {
  return runCommand<UsageCommand, UsageEvent, UsageState>(
    store,
    usageStream(command.accountId, command.leaseId),
    usageDecider,
    parseUsageEvent,
    command,
    idempotencyKey,
  );
}

function orThrow<T>(result: T | DomainError): T {
  if (result instanceof DomainError) throw result;
  return result;
}

/** The lease manager's ledger: lease and usage commands through the ledger's deciders on the event store. */
export class EventStoreLeaseLedger implements LeaseLedger {
  constructor(
    private readonly store: EventStore,
    private readonly holder: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reserve(
    accountId: string,
    leaseId: string,
    amountNanocredits: bigint,
    ttlMs: number,
  ): Promise<'reserved' | 'insufficient'> {
    const result = await runAccountCommand(this.store, {
      type: 'ReserveLease',
      accountId,
      idempotencyKey: `reserve-${leaseId}`,
      now: this.now().toISOString(),
      leaseId,
      holder: this.holder,
      amountNanocredits,
      ttlMs,
    });
    if (result instanceof DomainError) {
      if (result.code === 'INSUFFICIENT_CREDITS' || result.code === 'ACCOUNT_NOT_FOUND')
        return 'insufficient';
      throw result;
    }
    return 'reserved';
  }

  async recordUsage(
    accountId: string,
    leaseId: string,
    leaseAmountNanocredits: bigint,
    records: readonly UsageRecord[],
  ): Promise<void> {
    orThrow(
      await runUsageCommand(
        this.store,
        {
          type: 'RecordUsageBatch',
          accountId,
          leaseId,
          leaseAmountNanocredits,
          records: records.map((r) => ({
            requestId: r.requestId,
            workspaceId: r.workspaceId,
            apiKeyId: r.apiKeyId,
            alias: r.alias,
            provider: r.provider,
            deployment: r.deployment,
            upstreamModel: r.upstreamModel,
            promptTokens: r.promptTokens,
            cachedTokens: r.cachedTokens,
            completionTokens: r.completionTokens,
            reasoningTokens: r.reasoningTokens,
            estimated: r.estimated,
            providerCostNanocredits: r.providerCostNanocredits,
            priceNanocredits: r.priceNanocredits,
            latencyMs: r.latencyMs,
            status: r.status,
            attempts: r.attempts,
            occurredAt: r.occurredAt.toISOString(),
          })),
        },
        `usage-${records[0].requestId}`,
      ),
    );
  }

  async settle(
    accountId: string,
    leaseId: string,
    spentNanocredits: bigint,
    usageCount: number,
  ): Promise<void> {
    const now = this.now().toISOString();
    const closed = orThrow(
      await runUsageCommand(
        this.store,
        {
          type: 'CloseUsageStream',
          accountId,
          leaseId,
          reason: 'settled',
          idempotencyKey: `close-${leaseId}`,
          now,
        },
        `close-${leaseId}`,
      ),
    );
    // The usage stream's own totals are authoritative for the settlement.
    const closing = closed.find((e) => e.type === 'UsageStreamClosed');
    if (closing?.type === 'UsageStreamClosed') {
      spentNanocredits = BigInt(closing.data.spentNanocredits);
      usageCount = closing.data.usageCount;
    }
    orThrow(
      await runAccountCommand(this.store, {
        type: 'SettleLease',
        accountId,
        idempotencyKey: `settle-${leaseId}`,
        now,
        leaseId,
        holder: this.holder,
        spentNanocredits,
        usageCount,
      }),
    );
  }
}
