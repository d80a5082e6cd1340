import { Decider, DomainError } from '@tollgate/event-store';
import { ledgerError } from '../errors';
import { validateCommand } from '../events/command-schema';
import { commandFingerprint, dataFingerprint } from '../idempotency';
import { CloseUsageStream, RecordUsageBatch, UsageCommand, UsageCommandSchema } from './commands';
import { UsageEvent, UsageRecorded } from './events';

/**
 * A usage stream holds at most this many requests; the gateway rotates to a new lease well before
 * (leases are short-lived). Also bounds the decider's memory (one fingerprint per request).
 */
export const MAX_USAGE_PER_STREAM = 10_000;

export interface UsageState {
  /** requestId → fingerprint of its record. */
  requests: Map<string, string>;
  spentNanocredits: bigint;
  usageCount: number;
  closed?: {
    reason: 'settled' | 'expired';
    spentNanocredits: bigint;
    usageCount: number;
    closedAt: string;
  };
}

export function initialUsageState(): UsageState {
  return { requests: new Map(), spentNanocredits: 0n, usageCount: 0 };
}

export function decideUsage(command: UsageCommand, state: UsageState): readonly UsageEvent[] | DomainError {
  const invalid = validateCommand(UsageCommandSchema, command);
  if (invalid) return invalid;
  switch (command.type) {
    case 'RecordUsageBatch':
      return recordUsage(command, state);
    case 'CloseUsageStream':
      return closeUsage(command, state);
    default: {
      const never: never = command;
      return ledgerError('INVALID_COMMAND', `unknown command ${(never as { type: string }).type}`);
    }
  }
}

/** The event payload (without fingerprint) a record becomes; the fingerprint is taken over this. */
function usagePayload(
  c: RecordUsageBatch,
  r: RecordUsageBatch['records'][number],
): Omit<UsageRecorded, 'fingerprint'> {
  return {
    requestId: r.requestId,
    accountId: c.accountId,
    leaseId: c.leaseId,
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
    providerCostNanocredits: r.providerCostNanocredits.toString(),
    priceNanocredits: r.priceNanocredits.toString(),
    latencyMs: r.latencyMs,
    status: r.status,
    attempts: r.attempts.map((a) => ({ ...a })),
    occurredAt: r.occurredAt,
  };
}

function recordUsage(c: RecordUsageBatch, s: UsageState): UsageEvent[] | DomainError {
  if (s.closed)
    return ledgerError('USAGE_STREAM_CLOSED', `usage for lease ${c.leaseId} is closed (${s.closed.reason})`, {
      leaseId: c.leaseId,
      reason: s.closed.reason,
    });
  const events: UsageEvent[] = [];
  const inBatch = new Map<string, string>();
  let spent = s.spentNanocredits;
  for (const r of c.records) {
    if (r.cachedTokens > r.promptTokens || r.reasoningTokens > r.completionTokens)
      return ledgerError(
        'INVALID_COMMAND',
        `request ${r.requestId}: cached/reasoning tokens exceed their total`,
        {
          requestId: r.requestId,
        },
      );
    if (r.status === 'failed' && r.priceNanocredits !== 0n)
      return ledgerError('INVALID_COMMAND', `request ${r.requestId} failed and must not be charged`, {
        requestId: r.requestId,
      });
    const payload = usagePayload(c, r);
    const fingerprint = dataFingerprint(payload);
    const seen = s.requests.get(r.requestId) ?? inBatch.get(r.requestId);
    if (seen !== undefined) {
      if (seen === fingerprint) continue;
      return ledgerError(
        'IDEMPOTENCY_CONFLICT',
        `request ${r.requestId} was already recorded with other data`,
        {
          idempotencyKey: r.requestId,
          requestId: r.requestId,
        },
      );
    }
    spent += r.priceNanocredits;
    if (spent > c.leaseAmountNanocredits)
      return ledgerError('USAGE_EXCEEDS_LEASE', `usage would exceed lease ${c.leaseId}`, {
        leaseId: c.leaseId,
        leaseNanocredits: c.leaseAmountNanocredits.toString(),
        spentNanocredits: s.spentNanocredits.toString(),
        requestId: r.requestId,
      });
    inBatch.set(r.requestId, fingerprint);
    events.push({ type: 'UsageRecorded', data: { ...payload, fingerprint } });
  }
  if (s.usageCount + events.length > MAX_USAGE_PER_STREAM)
    return ledgerError('USAGE_STREAM_FULL', `usage stream of lease ${c.leaseId} is full; rotate the lease`, {
      leaseId: c.leaseId,
      maxUsagePerStream: MAX_USAGE_PER_STREAM,
    });
  return events;
}

/** Closing twice for the same reason is a no-op (the first close's totals stand); otherwise an error. */
function closeUsage(c: CloseUsageStream, s: UsageState): UsageEvent[] | DomainError {
  if (s.closed) {
    if (s.closed.reason === c.reason) return [];
    return ledgerError('USAGE_STREAM_CLOSED', `usage for lease ${c.leaseId} is closed (${s.closed.reason})`, {
      leaseId: c.leaseId,
      reason: s.closed.reason,
    });
  }
  return [
    {
      type: 'UsageStreamClosed',
      data: {
        accountId: c.accountId,
        leaseId: c.leaseId,
        spentNanocredits: s.spentNanocredits.toString(),
        usageCount: s.usageCount,
        reason: c.reason,
        closedAt: c.now,
        idempotencyKey: c.idempotencyKey,
        fingerprint: commandFingerprint(c),
      },
    },
  ];
}

/** Like evolveAccount: updates and returns the state it is given (O(1) per event). */
export function evolveUsage(state: UsageState, event: UsageEvent): UsageState {
  switch (event.type) {
    case 'UsageRecorded':
      if (!state.requests.has(event.data.requestId)) {
        state.requests.set(event.data.requestId, event.data.fingerprint);
        state.spentNanocredits += BigInt(event.data.priceNanocredits);
        state.usageCount += 1;
      }
      return state;
    case 'UsageStreamClosed':
      state.closed ??= {
        reason: event.data.reason,
        spentNanocredits: BigInt(event.data.spentNanocredits),
        usageCount: event.data.usageCount,
        closedAt: event.data.closedAt,
      };
      return state;
    default: {
      const never: never = event;
      throw new Error(`unhandled usage event ${(never as { type: string }).type}`);
    }
  }
}

export const usageDecider: Decider<UsageCommand, UsageEvent, UsageState> = {
  decide: decideUsage,
  evolve: evolveUsage,
  initialState: initialUsageState,
};
