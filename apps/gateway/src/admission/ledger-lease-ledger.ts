import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  DomainError,
  handleCommand,
  type Decider,
  type EventStore,
  type RecordedEvent,
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

const MAX_CONFLICT_ATTEMPTS = 8;

/** handleCommand with the ledger's event parser; a DomainError comes back as a value. */
async function run<C, E extends { type: string; data: unknown }, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  parse: (type: string, data: unknown) => E | null,
  command: C,
  idempotencyKey: string,
): Promise<readonly E[] | DomainError> {
  try {
    const result = await handleCommand({
      store,
      streamId,
      decider,
      command,
      maxAttempts: MAX_CONFLICT_ATTEMPTS,
      metadata: { idempotencyKey },
      parse: (e: RecordedEvent) => {
        const parsed = parse(e.type, e.data);
        if (!parsed) throw new Error(`unexpected ${e.type} event in ${streamId}`);
        return parsed;
      },
    });
    return result.events;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
}

export function runAccountCommand(
  store: EventStore,
  command: AccountCommand,
): Promise<readonly AccountEvent[] | DomainError> {
  return run<AccountCommand, AccountEvent, AccountState>(
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
  return run<UsageCommand, UsageEvent, UsageState>(
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

/** A usage stream's state as its only writer (the lease holder) last left it. */
interface UsageStreamCache {
  state: UsageState;
  revision: bigint | 'no_stream';
}

/** Bound on cached usage streams (one per open lease of this instance). */
const MAX_CACHED_USAGE_STREAMS = 10_000;

/**
 * The lease manager's ledger: lease and usage commands through the ledger's deciders on the event
 * store. A usage stream has one writer, this instance, so its state is kept in memory and batches are
 * appended without reading the stream again (reading it per batch would make a lease's cost grow
 * with the square of its requests); a concurrency conflict drops the cache and re-reads.
 */
export class EventStoreLeaseLedger implements LeaseLedger {
  private readonly usageStreams = new Map<string, UsageStreamCache>();

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
    await this.usageCommand(
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
    );
  }

  /** Decides against the cached stream state and appends at the cached revision (re-reads once on a conflict). */
  private async usageCommand(command: UsageCommand, idempotencyKey: string): Promise<readonly UsageEvent[]> {
    const streamId = usageStream(command.accountId, command.leaseId);
    for (let attempt = 0; attempt < 2; attempt++) {
      let cached = this.usageStreams.get(streamId);
      if (!cached) {
        cached = await this.readUsageStream(streamId);
        if (this.usageStreams.size >= MAX_CACHED_USAGE_STREAMS) this.usageStreams.clear();
        this.usageStreams.set(streamId, cached);
      }
      const decided = orThrow(usageDecider.decide(command, cached.state));
      if (decided.length === 0) return decided;
      try {
        const result = await this.store.append(
          streamId,
          decided.map((e) => ({
            id: randomUUID(),
            type: e.type,
            data: e.data,
            metadata: { idempotencyKey },
          })),
          { expectedRevision: cached.revision },
        );
        let state = cached.state;
        for (const e of decided) state = usageDecider.evolve(state, e);
        this.usageStreams.set(streamId, { state, revision: result.nextExpectedRevision });
        return decided;
      } catch (err) {
        this.usageStreams.delete(streamId);
        if (!(err instanceof ConcurrencyError) || attempt > 0) throw err;
      }
    }
    throw new Error('unreachable');
  }

  private async readUsageStream(streamId: string): Promise<UsageStreamCache> {
    const recorded = await this.store.readStream(streamId);
    let state = usageDecider.initialState();
    for (const r of recorded) {
      const event = parseUsageEvent(r.type, r.data);
      if (event) state = usageDecider.evolve(state, event);
    }
    return { state, revision: recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1].revision };
  }

  async settle(
    accountId: string,
    leaseId: string,
    spentNanocredits: bigint,
    usageCount: number,
  ): Promise<void> {
    const now = this.now().toISOString();
    const closed = await this.usageCommand(
      {
        type: 'CloseUsageStream',
        accountId,
        leaseId,
        reason: 'settled',
        idempotencyKey: `close-${leaseId}`,
        now,
      },
      `close-${leaseId}`,
    );
    this.usageStreams.delete(usageStream(accountId, leaseId));
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
