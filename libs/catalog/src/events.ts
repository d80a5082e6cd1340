import { z } from 'zod';
import { eventVersion, id, isoTimestamp, nonNegativeNanocreditsString, shortText } from '@tollgate/ledger';

/**
 * Events of the operator's catalog: providers, cost profiles, sell prices, aliases (public models)
 * with their lifecycle, customer API keys and per-workspace rules. The gateway's Postgres catalog
 * tables are a projection of these; corrections never edit an earlier event.
 *
 * Streams (one decider each): `provider-{providerId}`, `cost-profile-{providerId}-{modelKey}`,
 * `sell-price-{alias}`, `alias-{alias}`, `api-key-{keyId}`, `workspace-policy-{workspaceId}`,
 * `correction-{correctionId}` (a correction is its own stream, so applying it twice is a no-op);
 * `modelKey` is a stream-safe encoding of the upstream model name (see streams.ts).
 */

/** Decimal credits per million tokens, as the exact string the operator gave ("0.15", "2"). */
export const perMillion = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?$/, 'expected a non-negative decimal string');
/** A percentage, possibly negative (a discount) or fractional: "40", "-5", "12.5". */
export const percent = z
  .string()
  .regex(/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?$/, 'expected a decimal percentage');

const base = { eventVersion };
const actorAndTime = { actor: id, at: isoTimestamp };

export const TokenCostSchema = z.object({
  inputPerMillion: perMillion,
  /** null: cached input tokens cost the same as input tokens. */
  cachedInputPerMillion: perMillion.nullable(),
  outputPerMillion: perMillion,
});
export type TokenCost = z.infer<typeof TokenCostSchema>;

export const SellPriceSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('markup'), markupPercent: percent }),
  z.object({ kind: z.literal('per_million'), ...TokenCostSchema.shape }),
]);
export type SellPriceSpec = z.infer<typeof SellPriceSpecSchema>;

export const DeploymentSpecSchema = z.object({
  deploymentId: id,
  providerId: id,
  upstreamModel: id,
  /** Lower runs first. */
  priority: z.number().int().min(0).max(1_000_000),
  /** Share within one priority; 0 = only when the others are unavailable. */
  weight: z.number().int().min(0).max(1_000_000),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;

export const ROUTING_POLICIES = ['priority', 'cost'] as const;
export const ALIAS_STATUSES = ['draft', 'in_review', 'open', 'paused', 'retired'] as const;
export type AliasStatus = (typeof ALIAS_STATUSES)[number];

// Providers.
export const ProviderRegisteredSchema = z.object({
  ...base,
  providerId: id,
  name: shortText,
  kind: z.literal('openai_compatible'),
  baseUrl: z.url(),
  /** The upstream key sealed with AES-256-GCM under the master key; never the plain key. */
  apiKeySealed: z.string().min(1).max(10_000),
  /** Residency tag such as "eu"; null = none. */
  region: z.string().min(1).max(32).nullable(),
  ...actorAndTime,
});
export const ProviderUpdatedSchema = z.object({
  ...base,
  providerId: id,
  name: shortText,
  baseUrl: z.url(),
  region: z.string().min(1).max(32).nullable(),
  ...actorAndTime,
});
export const ProviderKeyRotatedSchema = z.object({
  ...base,
  providerId: id,
  apiKeySealed: z.string().min(1).max(10_000),
  ...actorAndTime,
});

// Cost profiles: what a provider charges us per upstream model.
export const CostProfileSetSchema = z.object({
  ...base,
  providerId: id,
  upstreamModel: id,
  /** 1, 2, … per (provider, model). */
  version: z.number().int().min(1),
  effectiveAt: isoTimestamp,
  cost: TokenCostSchema,
  ...actorAndTime,
});
/**
 * Replaces the cost in force over [from, to) (to null = open-ended) without editing history. The
 * latest correction covering an instant wins over earlier ones and over plain versions.
 */
export const CostProfileCorrectedSchema = z.object({
  ...base,
  correctionId: id,
  providerId: id,
  upstreamModel: id,
  from: isoTimestamp,
  to: isoTimestamp.nullable(),
  cost: TokenCostSchema,
  reason: shortText,
  /** Whether customers are re-rated (CreditsAdjusted per workspace, keyed by the correction id). */
  rerate: z.boolean(),
  ...actorAndTime,
});

// Sell prices: what customers pay per alias.
export const SellPriceSetSchema = z.object({
  ...base,
  alias: id,
  version: z.number().int().min(1),
  effectiveAt: isoTimestamp,
  price: SellPriceSpecSchema,
  ...actorAndTime,
});
export const PriceCorrectedSchema = z.object({
  ...base,
  correctionId: id,
  alias: id,
  from: isoTimestamp,
  to: isoTimestamp.nullable(),
  price: SellPriceSpecSchema,
  reason: shortText,
  rerate: z.boolean(),
  ...actorAndTime,
});

// Aliases (public models) and their lifecycle.
/** An alias's routing table: what AliasDefined starts with and AliasRoutingChanged replaces. */
const aliasRouting = {
  alias: id,
  policy: z.enum(ROUTING_POLICIES),
  defaultMaxOutputTokens: z.number().int().positive().max(10_000_000).nullable(),
  deployments: z.array(DeploymentSpecSchema).max(32),
};
export const AliasDefinedSchema = z.object({ ...base, ...aliasRouting, ...actorAndTime });
/** The whole routing table replaced (order, weights, deployments added or removed). */
export const AliasRoutingChangedSchema = z.object({ ...base, ...aliasRouting, ...actorAndTime });
export const MarginReviewLineSchema = z.object({
  deploymentId: id,
  providerId: id,
  upstreamModel: id,
  /** Cost and price per million tokens in force at review time; null when missing (blocks opening). */
  cost: TokenCostSchema.nullable(),
  price: TokenCostSchema.nullable(),
  /** Margin % of price on a reference mix of tokens, as a decimal string; null when unknown. */
  marginPercent: z.string().nullable(),
});
export const AliasStatusChangedSchema = z.object({
  ...base,
  alias: id,
  from: z.enum(ALIAS_STATUSES),
  to: z.enum(ALIAS_STATUSES),
  reason: shortText,
  /** Required when opening: the review as it was read. */
  review: z
    .object({
      thresholdPercent: percent,
      lines: z.array(MarginReviewLineSchema).max(32),
      /** Set when an admin opened despite a blocking margin. */
      overrideReason: shortText.nullable(),
    })
    .nullable(),
  ...actorAndTime,
});
/** A later cost/price/routing change made a margin fall below the threshold. */
export const AliasMarginFlaggedSchema = z.object({
  ...base,
  alias: id,
  lines: z.array(MarginReviewLineSchema).max(32),
  thresholdPercent: percent,
  paused: z.boolean(),
  ...actorAndTime,
});

// Customer API keys (the secret never appears: only its sha256).
/** What a key may do; set at creation, replaced by ApiKeyLimitsChanged. */
const apiKeyLimits = {
  allowedModels: z.array(id).max(200).nullable(),
  spendLimitNanocredits: nonNegativeNanocreditsString.nullable(),
  requestsPerMinute: z.number().int().positive().nullable(),
  tokensPerMinute: z.number().int().positive().nullable(),
};
export const ApiKeyCreatedSchema = z.object({
  ...base,
  keyId: id,
  workspaceId: id,
  accountId: id,
  name: shortText,
  prefix: z.string().min(4).max(64),
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
  ...apiKeyLimits,
  /** An operator's key that may also route aliases not yet open (draft, in review, paused). */
  adminTest: z.boolean().optional(),
  ...actorAndTime,
});
export const ApiKeyLimitsChangedSchema = z.object({
  ...base,
  keyId: id,
  workspaceId: id,
  ...apiKeyLimits,
  ...actorAndTime,
});
export const ApiKeyRevokedSchema = z.object({ ...base, keyId: id, workspaceId: id, ...actorAndTime });

// Per-workspace rules (#10): provider policy, quotas and low-balance alerts.
export const WorkspacePolicySetSchema = z.object({
  ...base,
  workspaceId: id,
  allowProviders: z.array(id).max(200).nullable(),
  denyProviders: z.array(id).max(200),
  allowDeployments: z.array(id).max(500).nullable(),
  denyDeployments: z.array(id).max(500),
  /** "only providers tagged X"; null = any region. */
  requiredRegion: z.string().min(1).max(32).nullable(),
  /** null = the alias's own policy. */
  routingPolicy: z.enum(ROUTING_POLICIES).nullable(),
  ...actorAndTime,
});
/** Quotas of one API key of the workspace (on top of the key's own per-minute limits). */
export const KeyQuotasSchema = z.object({
  keyId: id,
  requestsPerMinute: z.number().int().positive().nullable(),
  tokensPerMinute: z.number().int().positive().nullable(),
  creditsPerDayNanocredits: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .nullable(),
  creditsPerMonthNanocredits: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .nullable(),
  concurrentRequests: z.number().int().positive().nullable(),
});
export const WorkspaceQuotasSetSchema = z.object({
  ...base,
  workspaceId: id,
  requestsPerMinute: z.number().int().positive().nullable(),
  tokensPerMinute: z.number().int().positive().nullable(),
  creditsPerDayNanocredits: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .nullable(),
  creditsPerMonthNanocredits: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .nullable(),
  concurrentRequests: z.number().int().positive().nullable(),
  /** IANA zone for calendar days and months, e.g. "Europe/Berlin". */
  timeZone: z.string().min(1).max(64),
  /** Per-key quotas (absent = none); the calendar is the workspace's. */
  keys: z.array(KeyQuotasSchema).max(1000).optional(),
  ...actorAndTime,
});
export const LowBalanceAlertsSetSchema = z.object({
  ...base,
  workspaceId: id,
  /** Available-balance thresholds in nanocredits, descending. */
  thresholdsNanocredits: z.array(z.string().regex(/^(0|[1-9][0-9]*)$/)).max(10),
  webhookUrl: z.url().nullable(),
  ...actorAndTime,
});

export type ProviderRegistered = z.infer<typeof ProviderRegisteredSchema>;
export type ProviderUpdated = z.infer<typeof ProviderUpdatedSchema>;
export type ProviderKeyRotated = z.infer<typeof ProviderKeyRotatedSchema>;
export type CostProfileSet = z.infer<typeof CostProfileSetSchema>;
export type CostProfileCorrected = z.infer<typeof CostProfileCorrectedSchema>;
export type SellPriceSet = z.infer<typeof SellPriceSetSchema>;
export type PriceCorrected = z.infer<typeof PriceCorrectedSchema>;
export type AliasDefined = z.infer<typeof AliasDefinedSchema>;
export type AliasRoutingChanged = z.infer<typeof AliasRoutingChangedSchema>;
export type AliasStatusChanged = z.infer<typeof AliasStatusChangedSchema>;
export type AliasMarginFlagged = z.infer<typeof AliasMarginFlaggedSchema>;
export type MarginReviewLine = z.infer<typeof MarginReviewLineSchema>;
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;
export type ApiKeyLimitsChanged = z.infer<typeof ApiKeyLimitsChangedSchema>;
export type ApiKeyRevoked = z.infer<typeof ApiKeyRevokedSchema>;
export type WorkspacePolicySet = z.infer<typeof WorkspacePolicySetSchema>;
export type WorkspaceQuotasSet = z.infer<typeof WorkspaceQuotasSetSchema>;
export type KeyQuotasData = z.infer<typeof KeyQuotasSchema>;
export type LowBalanceAlertsSet = z.infer<typeof LowBalanceAlertsSetSchema>;

export type CatalogEvent =
  | { type: 'ProviderRegistered'; data: ProviderRegistered }
  | { type: 'ProviderUpdated'; data: ProviderUpdated }
  | { type: 'ProviderKeyRotated'; data: ProviderKeyRotated }
  | { type: 'CostProfileSet'; data: CostProfileSet }
  | { type: 'CostProfileCorrected'; data: CostProfileCorrected }
  | { type: 'SellPriceSet'; data: SellPriceSet }
  | { type: 'PriceCorrected'; data: PriceCorrected }
  | { type: 'AliasDefined'; data: AliasDefined }
  | { type: 'AliasRoutingChanged'; data: AliasRoutingChanged }
  | { type: 'AliasStatusChanged'; data: AliasStatusChanged }
  | { type: 'AliasMarginFlagged'; data: AliasMarginFlagged }
  | { type: 'ApiKeyCreated'; data: ApiKeyCreated }
  | { type: 'ApiKeyLimitsChanged'; data: ApiKeyLimitsChanged }
  | { type: 'ApiKeyRevoked'; data: ApiKeyRevoked }
  | { type: 'WorkspacePolicySet'; data: WorkspacePolicySet }
  | { type: 'WorkspaceQuotasSet'; data: WorkspaceQuotasSet }
  | { type: 'LowBalanceAlertsSet'; data: LowBalanceAlertsSet };

export type CatalogEventType = CatalogEvent['type'];

export const CATALOG_EVENT_SCHEMAS: { [K in CatalogEventType]: z.ZodType } = {
  ProviderRegistered: ProviderRegisteredSchema,
  ProviderUpdated: ProviderUpdatedSchema,
  ProviderKeyRotated: ProviderKeyRotatedSchema,
  CostProfileSet: CostProfileSetSchema,
  CostProfileCorrected: CostProfileCorrectedSchema,
  SellPriceSet: SellPriceSetSchema,
  PriceCorrected: PriceCorrectedSchema,
  AliasDefined: AliasDefinedSchema,
  AliasRoutingChanged: AliasRoutingChangedSchema,
  AliasStatusChanged: AliasStatusChangedSchema,
  AliasMarginFlagged: AliasMarginFlaggedSchema,
  ApiKeyCreated: ApiKeyCreatedSchema,
  ApiKeyLimitsChanged: ApiKeyLimitsChangedSchema,
  ApiKeyRevoked: ApiKeyRevokedSchema,
  WorkspacePolicySet: WorkspacePolicySetSchema,
  WorkspaceQuotasSet: WorkspaceQuotasSetSchema,
  LowBalanceAlertsSet: LowBalanceAlertsSetSchema,
};

export const CATALOG_EVENT_TYPES = Object.keys(CATALOG_EVENT_SCHEMAS) as CatalogEventType[];
