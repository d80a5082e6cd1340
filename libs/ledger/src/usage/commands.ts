import { z } from 'zod';
import {
  commandId,
  commandIdempotencyKey,
  commandNow,
  nonNegativeNanocredits,
  positiveNanocredits,
} from '../events/command-schema';
import { USAGE_STATUSES, UsageAttemptSchema, MAX_ATTEMPTS_PER_REQUEST } from './events';

/** Records per RecordUsageBatch (the gateway flushes in small batches). */
export const MAX_USAGE_BATCH = 100;

const tokenCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One request's usage as the gateway hands it over; amounts are bigint nanocredits. */
export const UsageRecordInputSchema = z.object({
  requestId: commandId,
  workspaceId: commandId,
  apiKeyId: commandId,
  alias: commandId,
  provider: commandId,
  deployment: commandId,
  upstreamModel: commandId,
  promptTokens: tokenCount,
  cachedTokens: tokenCount,
  completionTokens: tokenCount,
  reasoningTokens: tokenCount,
  estimated: z.boolean(),
  providerCostNanocredits: nonNegativeNanocredits,
  priceNanocredits: nonNegativeNanocredits,
  latencyMs: z.number().int().nonnegative().max(86_400_000),
  status: z.enum(USAGE_STATUSES),
  attempts: z.array(UsageAttemptSchema).max(MAX_ATTEMPTS_PER_REQUEST),
  occurredAt: commandNow,
});

/**
 * Appends usage to `usage-{accountId}-{leaseId}`. Each record is idempotent by its requestId (the
 * request id is the idempotency key of its UsageRecorded). The command carries the lease amount so
 * the decider keeps Σ price ≤ lease amount.
 */
export const RecordUsageBatchSchema = z.object({
  type: z.literal('RecordUsageBatch'),
  accountId: commandId,
  leaseId: commandId,
  leaseAmountNanocredits: positiveNanocredits,
  records: z.array(UsageRecordInputSchema).min(1).max(MAX_USAGE_BATCH),
});

/** Ends a usage stream so its totals are final before the lease settles or expires. */
export const CloseUsageStreamSchema = z.object({
  type: z.literal('CloseUsageStream'),
  accountId: commandId,
  leaseId: commandId,
  reason: z.enum(['settled', 'expired']),
  idempotencyKey: commandIdempotencyKey,
  now: commandNow,
});

export type UsageRecordInput = z.infer<typeof UsageRecordInputSchema>;
export type RecordUsageBatch = z.infer<typeof RecordUsageBatchSchema>;
export type CloseUsageStream = z.infer<typeof CloseUsageStreamSchema>;
export type UsageCommand = RecordUsageBatch | CloseUsageStream;

export const UsageCommandSchema = z.discriminatedUnion('type', [
  RecordUsageBatchSchema,
  CloseUsageStreamSchema,
]);
