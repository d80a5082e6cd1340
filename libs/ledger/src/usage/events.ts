import { z } from 'zod';
import {
  createEventParser,
  eventVersion,
  fingerprint,
  id,
  isoTimestamp,
  nonNegativeNanocreditsString,
  UpcasterMap,
} from '../events/schema';

/**
 * Events of the `usage-{accountId}-{leaseId}` streams: one UsageRecorded per gateway request, written
 * by the lease holder in small batches; UsageStreamClosed ends the stream (settlement or expiry), after
 * which no usage can be added, so the closing totals are final.
 */
export const USAGE_STATUSES = ['succeeded', 'failed', 'client_cancelled'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

const tokenCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const durationMs = z.number().int().nonnegative().max(86_400_000);

export const UsageAttemptSchema = z.object({
  deployment: id,
  provider: id,
  /** e.g. 'succeeded', 'failed', 'timeout', 'rate_limited', 'client_cancelled'. */
  status: z.string().min(1).max(64),
  errorCode: z.string().min(1).max(200).optional(),
  latencyMs: durationMs,
});

/** At most this many upstream attempts per request (routing fallbacks are bounded). */
export const MAX_ATTEMPTS_PER_REQUEST = 16;

export const UsageRecordedSchema = z
  .object({
    /** Gateway request id; also the idempotency key of this event within its stream. */
    requestId: id,
    accountId: id,
    leaseId: id,
    workspaceId: id,
    apiKeyId: id,
    alias: id,
    provider: id,
    deployment: id,
    upstreamModel: id,
    /** OpenAI convention: cachedTokens are inside promptTokens, reasoningTokens inside completionTokens. */
    promptTokens: tokenCount,
    cachedTokens: tokenCount,
    completionTokens: tokenCount,
    reasoningTokens: tokenCount,
    /** True when counts come from a tokenizer because the upstream sent no usage. */
    estimated: z.boolean(),
    /** What the upstream costs us (margin reporting); not a balance impact. */
    providerCostNanocredits: nonNegativeNanocreditsString,
    /** What the customer is charged = the balance impact. "0" for failed requests. */
    priceNanocredits: nonNegativeNanocreditsString,
    latencyMs: durationMs,
    status: z.enum(USAGE_STATUSES),
    attempts: z.array(UsageAttemptSchema).max(MAX_ATTEMPTS_PER_REQUEST),
    occurredAt: isoTimestamp,
    fingerprint,
    eventVersion,
  })
  .refine((u) => u.cachedTokens <= u.promptTokens, { message: 'cachedTokens exceed promptTokens' })
  .refine((u) => u.reasoningTokens <= u.completionTokens, {
    message: 'reasoningTokens exceed completionTokens',
  })
  .refine((u) => u.status !== 'failed' || u.priceNanocredits === '0', {
    message: 'a failed request is not charged',
  });

export const UsageStreamClosedSchema = z.object({
  accountId: id,
  leaseId: id,
  /** Σ priceNanocredits of the stream's UsageRecorded events. */
  spentNanocredits: nonNegativeNanocreditsString,
  usageCount: z.number().int().nonnegative(),
  reason: z.enum(['settled', 'expired']),
  closedAt: isoTimestamp,
  idempotencyKey: z.string().min(1).max(300),
  fingerprint,
  eventVersion,
});

export type UsageAttempt = z.infer<typeof UsageAttemptSchema>;
export type UsageRecorded = z.infer<typeof UsageRecordedSchema>;
export type UsageStreamClosed = z.infer<typeof UsageStreamClosedSchema>;

export type UsageEvent =
  { type: 'UsageRecorded'; data: UsageRecorded } | { type: 'UsageStreamClosed'; data: UsageStreamClosed };

export type UsageEventType = UsageEvent['type'];

export const USAGE_EVENT_SCHEMAS: { [K in UsageEventType]: z.ZodType } = {
  UsageRecorded: UsageRecordedSchema,
  UsageStreamClosed: UsageStreamClosedSchema,
};

export const USAGE_EVENT_VERSIONS: Partial<Record<UsageEventType, number>> = {};
export const USAGE_EVENT_UPCASTERS: UpcasterMap = {};

/** Like parseAccountEvent, for usage streams. */
export const parseUsageEvent: (type: string, data: unknown) => UsageEvent | null =
  createEventParser<UsageEvent>(USAGE_EVENT_SCHEMAS, USAGE_EVENT_VERSIONS, USAGE_EVENT_UPCASTERS);

export function isUsageEventType(type: string): type is UsageEventType {
  return Object.prototype.hasOwnProperty.call(USAGE_EVENT_SCHEMAS, type);
}
