import type { z } from 'zod';
import type { RecordedEvent } from '@tollgate/event-store';
import {
  ALERTS_STREAM_PREFIX,
  CATALOG_EVENT_SCHEMAS,
  parseAlertsEvent,
  type AlertWebhookSecretRotated,
  type CatalogEvent,
  type CatalogEventType,
} from '@tollgate/catalog';
import { accountStream, MalformedEventError, type AccountEvent } from '@tollgate/ledger';
import {
  BillingProfileSavedSchema,
  billingProfileStream,
  CREDIT_PACKAGE_CATALOG_STREAM,
  CreditPackageSavedSchema,
  parsePaymentEvent,
  PAYMENT_EVENT_SCHEMAS,
  PAYMENT_STREAM_PREFIX,
  type BillingProfileSaved,
  type CreditPackageSaved,
  type PaymentEvent,
} from '@tollgate/payments';
import type { AnyProjection, DecodedEvent, ProjectionContext, SqlStatement } from '../runtime/projection';
import { FACT_EVENT_TYPES, ledgerEvent, ledgerFact, statementEntry } from './facts';

/**
 * `audit_log`: who did what, when, with the state before and after, for every admin and
 * workspace-owner action — derived from the events alone. Before/after is the previous state of the
 * same entity (stream), folded here into an internal table, never read from another read model.
 *
 * Sources: every catalog event (they all carry actor + at), the alerts webhook secret, the ledger's
 * admin entries (grants, adjustments, refunds, overdraft changes; the posted balance before/after is
 * folded from every posting and priced usage), and payment-order actions (orders, manual approvals and
 * rejections, cancellations, refund requests).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type AuditInput =
  | { source: 'catalog'; event: CatalogEvent }
  | { source: 'alerts'; event: { type: 'AlertWebhookSecretRotated'; data: AlertWebhookSecretRotated } }
  | { source: 'ledger'; event: RecordedEvent }
  | { source: 'payment'; event: PaymentEvent }
  | { source: 'billing'; event: { type: 'BillingProfileSaved'; data: BillingProfileSaved } }
  | { source: 'packages'; event: { type: 'CreditPackageSaved'; data: CreditPackageSaved } };

export const AUDIT_CATEGORIES = [
  'catalog',
  'keys',
  'policy',
  'alerts',
  'credits',
  'payments',
  'billing',
] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

const CATALOG_TYPES = new Set<string>(Object.keys(CATALOG_EVENT_SCHEMAS));
const PAYMENT_TYPES = new Set<string>(Object.keys(PAYMENT_EVENT_SCHEMAS));
const HANDLED = new Set<string>([
  ...CATALOG_TYPES,
  'AlertWebhookSecretRotated',
  ...FACT_EVENT_TYPES,
  ...PAYMENT_TYPES,
  'BillingProfileSaved',
  'CreditPackageSaved',
]);

/** Every action type the audit log can list (for filters). */
export const AUDIT_ACTIONS: readonly string[] = [
  ...CATALOG_TYPES,
  'AlertWebhookSecretRotated',
  'CreditsGranted',
  'CreditsAdjusted',
  'CreditsRefunded',
  'OverdraftLimitChanged',
  'PaymentOrderCreated',
  'ManualPaymentApproved',
  'ManualPaymentRejected',
  'PaymentOrderCancelled',
  'RefundRequested',
  'BillingProfileSaved',
  'CreditPackageSaved',
].sort();

function parseWith<T>(type: string, schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success)
    throw new MalformedEventError(
      type,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return result.data;
}

function decodeCatalog(type: CatalogEventType, data: unknown): CatalogEvent {
  return { type, data: parseWith(type, CATALOG_EVENT_SCHEMAS[type], data) } as CatalogEvent;
}

function decode(recorded: RecordedEvent): AuditInput | null {
  const { type, streamId } = recorded;
  if (type === 'AlertWebhookSecretRotated') {
    if (!streamId.startsWith(ALERTS_STREAM_PREFIX)) return null;
    const parsed = parseAlertsEvent(type, recorded.data);
    return parsed && parsed.type === 'AlertWebhookSecretRotated' ? { source: 'alerts', event: parsed } : null;
  }
  if (type === 'BillingProfileSaved') {
    const workspaceId = streamId.startsWith('billing-profile-')
      ? streamId.slice('billing-profile-'.length)
      : null;
    if (!workspaceId || billingProfileStream(workspaceId) !== streamId) return null;
    return {
      source: 'billing',
      event: { type, data: parseWith(type, BillingProfileSavedSchema, recorded.data) },
    };
  }
  if (type === 'CreditPackageSaved') {
    if (streamId !== CREDIT_PACKAGE_CATALOG_STREAM) return null;
    return {
      source: 'packages',
      event: { type, data: parseWith(type, CreditPackageSavedSchema, recorded.data) },
    };
  }
  if (CATALOG_TYPES.has(type))
    return { source: 'catalog', event: decodeCatalog(type as CatalogEventType, recorded.data) };
  if (FACT_EVENT_TYPES.has(type)) return ledgerEvent(recorded) ? { source: 'ledger', event: recorded } : null;
  if (PAYMENT_TYPES.has(type) && streamId.startsWith(PAYMENT_STREAM_PREFIX)) {
    const parsed = parsePaymentEvent(type, recorded.data);
    return parsed ? { source: 'payment', event: parsed } : null;
  }
  return null;
}

/** One audit row before it is written. */
export interface AuditEntry {
  eventId: string;
  commit: bigint;
  prepare: bigint;
  occurredAt: string;
  actor: string;
  action: string;
  category: AuditCategory;
  workspaceId: string | null;
  subject: string;
  summary: string;
  before: JsonObject | null;
  after: JsonObject | null;
  streamId: string;
}

/** What one event does to the audit log: the entity it changes, its new state, and the row (if an action). */
interface Step {
  /** Key of the entity's folded state in the internal table. */
  key: string;
  next(before: JsonObject | null): JsonObject | null;
  /** Absent for facts that only move state (usage, leases, system events). */
  row?: Omit<AuditEntry, 'eventId' | 'commit' | 'prepare' | 'streamId' | 'before' | 'after'>;
}

const strip = (data: object, ...keys: string[]): JsonObject => {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(data))
    if (!['eventVersion', 'actor', 'at', ...keys].includes(k) && v !== undefined) out[k] = v as Json;
  return out;
};
const merge = (patch: JsonObject) => (before: JsonObject | null) => ({ ...(before ?? {}), ...patch });

function catalogStep(e: CatalogEvent, streamId: string): Step {
  const base = { actor: e.data.actor, occurredAt: e.data.at, action: e.type };
  switch (e.type) {
    case 'ProviderRegistered':
      return {
        key: streamId,
        // The sealed upstream key never leaves the event: the log only says a key is set.
        next: () => ({ ...strip(e.data, 'apiKeySealed'), keyVersion: 1 }),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `provider ${e.data.providerId}`,
          summary: `Registered provider ${e.data.name} (${e.data.baseUrl})`,
        },
      };
    case 'ProviderUpdated':
      return {
        key: streamId,
        next: merge(strip(e.data)),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `provider ${e.data.providerId}`,
          summary: `Updated provider ${e.data.name}`,
        },
      };
    case 'ProviderKeyRotated':
      return {
        key: streamId,
        next: (before) => ({ ...(before ?? {}), keyVersion: Number(before?.keyVersion ?? 1) + 1 }),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `provider ${e.data.providerId}`,
          summary: 'Rotated the upstream API key',
        },
      };
    case 'CostProfileSet':
      return {
        key: streamId,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `cost ${e.data.providerId}/${e.data.upstreamModel}`,
          summary: `Cost profile v${e.data.version} effective ${e.data.effectiveAt}`,
        },
      };
    case 'CostProfileCorrected':
      return {
        key: `${streamId}#${e.data.providerId}/${e.data.upstreamModel}`,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `cost ${e.data.providerId}/${e.data.upstreamModel}`,
          summary: `Cost corrected from ${e.data.from}${e.data.to ? ` to ${e.data.to}` : ''}: ${e.data.reason}`,
        },
      };
    case 'SellPriceSet':
      return {
        key: streamId,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `price ${e.data.alias}`,
          summary: `Sell price v${e.data.version} effective ${e.data.effectiveAt}`,
        },
      };
    case 'PriceCorrected':
      return {
        key: `${streamId}#${e.data.alias}`,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `price ${e.data.alias}`,
          summary: `Price corrected from ${e.data.from}${e.data.to ? ` to ${e.data.to}` : ''}: ${e.data.reason}`,
        },
      };
    case 'AliasDefined':
      return {
        key: streamId,
        next: (before) => ({ status: 'draft', ...(before ?? {}), ...strip(e.data) }),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `alias ${e.data.alias}`,
          summary: `Defined alias ${e.data.alias} (${e.data.deployments.length} deployments)`,
        },
      };
    case 'AliasRoutingChanged':
      return {
        key: streamId,
        next: merge(strip(e.data)),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `alias ${e.data.alias}`,
          summary: `Routing of ${e.data.alias} changed (${e.data.deployments.length} deployments, ${e.data.policy})`,
        },
      };
    case 'AliasStatusChanged':
      return {
        key: streamId,
        next: merge({ status: e.data.to }),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `alias ${e.data.alias}`,
          summary: `Alias ${e.data.from} → ${e.data.to}: ${e.data.reason}${e.data.review?.overrideReason ? ` (margin override: ${e.data.review.overrideReason})` : ''}`,
        },
      };
    case 'AliasMarginFlagged':
      return {
        key: streamId,
        next: (before) => ({
          ...(before ?? {}),
          marginFlagged: true,
          ...(e.data.paused ? { status: 'paused' } : {}),
        }),
        row: {
          ...base,
          category: 'catalog',
          workspaceId: null,
          subject: `alias ${e.data.alias}`,
          summary: `Margin below ${e.data.thresholdPercent} %${e.data.paused ? '; alias paused' : ''}`,
        },
      };
    case 'ApiKeyCreated':
      return {
        key: streamId,
        // The secret's hash is not the business of an audit reader.
        next: () => ({ ...strip(e.data, 'secretSha256'), revoked: false }),
        row: {
          ...base,
          category: 'keys',
          workspaceId: e.data.workspaceId,
          subject: `key ${e.data.keyId}`,
          summary: `Created API key ${e.data.name} (${e.data.prefix}…)`,
        },
      };
    case 'ApiKeyLimitsChanged':
      return {
        key: streamId,
        next: merge(strip(e.data)),
        row: {
          ...base,
          category: 'keys',
          workspaceId: e.data.workspaceId,
          subject: `key ${e.data.keyId}`,
          summary: 'Changed API key limits',
        },
      };
    case 'ApiKeyRevoked':
      return {
        key: streamId,
        next: merge({ revoked: true }),
        row: {
          ...base,
          category: 'keys',
          workspaceId: e.data.workspaceId,
          subject: `key ${e.data.keyId}`,
          summary: 'Revoked API key',
        },
      };
    case 'WorkspacePolicySet':
      return {
        key: `${streamId}#policy`,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'policy',
          workspaceId: e.data.workspaceId,
          subject: `workspace ${e.data.workspaceId}`,
          summary: 'Set the provider policy',
        },
      };
    case 'WorkspaceQuotasSet':
      return {
        key: `${streamId}#quotas`,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'policy',
          workspaceId: e.data.workspaceId,
          subject: `workspace ${e.data.workspaceId}`,
          summary: 'Set the quotas',
        },
      };
    case 'LowBalanceAlertsSet':
      return {
        key: `${streamId}#alerts`,
        next: () => strip(e.data),
        row: {
          ...base,
          category: 'alerts',
          workspaceId: e.data.workspaceId,
          subject: `workspace ${e.data.workspaceId}`,
          summary: `Low-balance alerts: ${e.data.thresholdsNanocredits.length} thresholds, webhook ${e.data.webhookUrl ?? 'none'}`,
        },
      };
    default: {
      const never: never = e;
      throw new Error(`unhandled catalog event ${JSON.stringify(never)}`);
    }
  }
}

const ACCOUNT_ACTIONS = new Set([
  'CreditsGranted',
  'CreditsAdjusted',
  'CreditsRefunded',
  'OverdraftLimitChanged',
]);

function ledgerStep(recorded: RecordedEvent): Step | null {
  const fact = ledgerFact(recorded);
  if (!fact) return null;
  const key = accountStream(fact.accountId);
  const entry = statementEntry(fact);
  const parsed = ledgerEvent(recorded);
  const moveState = (before: JsonObject | null): JsonObject => {
    const state = {
      workspaceId: null,
      postedNanocredits: '0',
      overdraftLimitNanocredits: '0',
      ...(before ?? {}),
    } as JsonObject;
    if (parsed?.type === 'AccountOpened') {
      state.workspaceId = parsed.data.workspaceId;
      state.overdraftLimitNanocredits = parsed.data.overdraftLimitNanocredits;
    }
    if (parsed?.type === 'OverdraftLimitChanged')
      state.overdraftLimitNanocredits = parsed.data.overdraftLimitNanocredits;
    if (entry)
      state.postedNanocredits = (
        BigInt(state.postedNanocredits as string) + entry.amountNanocredits
      ).toString();
    return state;
  };
  if (!parsed || !ACCOUNT_ACTIONS.has(parsed.type)) return { key, next: moveState };
  const e = parsed as AccountEvent;
  const common = { category: 'credits' as const, subject: `account ${fact.accountId}`, workspaceId: null };
  switch (e.type) {
    case 'CreditsGranted':
      return {
        key,
        next: moveState,
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.grantedAt,
          action: e.type,
          summary: `Granted ${e.data.amountNanocredits} nanocredits (${e.data.kind}): ${e.data.reason}`,
        },
      };
    case 'CreditsAdjusted':
      return {
        key,
        next: moveState,
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.adjustedAt,
          action: e.type,
          summary: `Adjusted by ${e.data.amountNanocredits} nanocredits (${e.data.reasonCode})${e.data.reference ? `: ${e.data.reference}` : ''}`,
        },
      };
    case 'CreditsRefunded':
      return {
        key,
        next: moveState,
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.refundedAt,
          action: e.type,
          summary: `Refunded ${e.data.amountNanocredits} nanocredits of payment ${e.data.paymentId}: ${e.data.reason}`,
        },
      };
    case 'OverdraftLimitChanged':
      return {
        key,
        next: moveState,
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.changedAt,
          action: e.type,
          summary: `Overdraft limit ${e.data.previousOverdraftLimitNanocredits} → ${e.data.overdraftLimitNanocredits} nanocredits: ${e.data.reason}`,
        },
      };
    default:
      return { key, next: moveState };
  }
}

function paymentStep(e: PaymentEvent, streamId: string): Step {
  const status = (s: string) => merge({ status: s });
  const subject = `order ${e.data.orderId}`;
  const common = { category: 'payments' as const, subject, workspaceId: null, action: e.type };
  switch (e.type) {
    case 'PaymentOrderCreated':
      return {
        key: streamId,
        next: () => ({
          workspaceId: e.data.workspaceId,
          status: 'created',
          provider: e.data.provider,
          packageId: e.data.package.packageId,
          creditsNanocredits: e.data.creditsNanocredits,
          grossMinor: e.data.tax.grossMinor,
          currency: e.data.tax.currency,
        }),
        row: {
          ...common,
          workspaceId: e.data.workspaceId,
          actor: e.data.actor,
          occurredAt: e.data.createdAt,
          summary: `Ordered ${e.data.package.name} (${e.data.provider})`,
        },
      };
    case 'CheckoutSessionOpened':
      return { key: streamId, next: status('checkout_open') };
    case 'PaymentConfirmed':
      return { key: streamId, next: status('confirmed') };
    case 'ManualPaymentApproved':
      return {
        key: streamId,
        next: status('confirmed'),
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.approvedAt,
          summary: `Approved manual payment (reference ${e.data.paymentReference})`,
        },
      };
    case 'ManualPaymentRejected':
      return {
        key: streamId,
        next: status('rejected'),
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.rejectedAt,
          summary: `Rejected manual payment: ${e.data.reason}`,
        },
      };
    case 'PaymentFailed':
      return { key: streamId, next: status('failed') };
    case 'CheckoutExpired':
      return { key: streamId, next: status('expired') };
    case 'PaymentOrderCancelled':
      return {
        key: streamId,
        next: status('cancelled'),
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.cancelledAt,
          summary: `Cancelled order: ${e.data.reason}`,
        },
      };
    case 'OrderFlaggedForReview':
      return { key: streamId, next: merge({ flaggedForReview: e.data.reason }) };
    case 'RefundRequested':
      return {
        key: streamId,
        next: (before) => ({
          ...(before ?? {}),
          refundRequestedNanocredits: (
            BigInt((before?.refundRequestedNanocredits as string | undefined) ?? '0') +
            BigInt(e.data.creditsNanocredits)
          ).toString(),
        }),
        row: {
          ...common,
          actor: e.data.actor,
          occurredAt: e.data.requestedAt,
          summary: `Requested a refund of ${e.data.amountMinor} ${e.data.currency} minor units: ${e.data.reason}`,
        },
      };
    case 'PaymentRefunded':
      return { key: streamId, next: merge({ refundedAt: e.data.refundedAt }) };
    case 'RefundFailed':
      return { key: streamId, next: (b) => b };
    default: {
      const never: never = e;
      throw new Error(`unhandled payment event ${JSON.stringify(never)}`);
    }
  }
}

function stepOf(input: AuditInput, recorded: RecordedEvent): Step | null {
  switch (input.source) {
    case 'catalog':
      return catalogStep(input.event, recorded.streamId);
    case 'alerts': {
      const d = input.event.data;
      return {
        key: `${recorded.streamId}#secret`,
        next: (before) => ({ secretHint: d.secretHint, rotations: Number(before?.rotations ?? 0) + 1 }),
        row: {
          actor: d.actor,
          occurredAt: d.at,
          action: input.event.type,
          category: 'alerts',
          workspaceId: d.workspaceId,
          subject: `workspace ${d.workspaceId}`,
          summary: `Rotated the alert webhook signing secret (…${d.secretHint})`,
        },
      };
    }
    case 'ledger':
      return ledgerStep(input.event);
    case 'payment':
      return paymentStep(input.event, recorded.streamId);
    case 'billing': {
      const d = input.event.data;
      return {
        key: recorded.streamId,
        next: () => ({ ...d.profile, profileRevision: d.profileRevision }),
        row: {
          actor: d.actor,
          occurredAt: d.savedAt,
          action: input.event.type,
          category: 'billing',
          workspaceId: d.workspaceId,
          subject: `workspace ${d.workspaceId}`,
          summary: `Saved billing profile revision ${d.profileRevision} (${d.profile.legalName}, ${d.profile.country})`,
        },
      };
    }
    case 'packages': {
      const d = input.event.data;
      return {
        key: `${recorded.streamId}#${d.package.packageId}`,
        next: () => ({ ...d.package }),
        row: {
          actor: d.actor,
          occurredAt: d.savedAt,
          action: input.event.type,
          category: 'catalog',
          workspaceId: null,
          subject: `package ${d.package.packageId}`,
          summary: `Saved credit package ${d.package.name}`,
        },
      };
    }
    default: {
      const never: never = input;
      throw new Error(`unhandled audit input ${JSON.stringify(never)}`);
    }
  }
}

interface EntityRow extends Record<string, unknown> {
  entity_key: string;
  state: JsonObject | null;
}

/** One statement for the batch's rows; before/after travel as JSON inside the JSON payload. */
function insertEntries(table: string, entries: readonly AuditEntry[]): SqlStatement[] {
  if (entries.length === 0) return [];
  const payload = entries.map((e) => [
    e.eventId,
    e.commit.toString(),
    e.prepare.toString(),
    e.occurredAt,
    e.actor,
    e.action,
    e.category,
    e.workspaceId,
    e.subject,
    e.summary,
    e.before,
    e.after,
    e.streamId,
  ]);
  return [
    {
      sql: `INSERT INTO ${table} (event_id, position_commit, position_prepare, occurred_at, actor, action, category,
              workspace_id, subject, summary, before_state, after_state, stream_id)
            SELECT r->>0, (r->>1)::bigint, (r->>2)::bigint, (r->>3)::timestamptz, r->>4, r->>5, r->>6, r->>7, r->>8,
                   r->>9, NULLIF(r->10, 'null'::jsonb), NULLIF(r->11, 'null'::jsonb), r->>12
              FROM jsonb_array_elements($1::jsonb) AS r
            ON CONFLICT (event_id) DO NOTHING`,
      params: [JSON.stringify(payload)],
    },
  ];
}

function upsertEntities(
  table: string,
  keys: ReadonlySet<string>,
  states: ReadonlyMap<string, JsonObject | null>,
): SqlStatement[] {
  if (keys.size === 0) return [];
  const payload = [...keys].map((k) => [k, states.get(k) ?? null]);
  return [
    {
      sql: `INSERT INTO ${table} (entity_key, state)
            SELECT r->>0, NULLIF(r->1, 'null'::jsonb) FROM jsonb_array_elements($1::jsonb) AS r
            ON CONFLICT (entity_key) DO UPDATE SET state = excluded.state`,
      params: [JSON.stringify(payload)],
    },
  ];
}

export const auditLogProjection: AnyProjection = {
  name: 'audit_log',
  version: 1,
  tables: [
    {
      base: 'audit_log',
      orderBy: 'position_commit, position_prepare',
      ddl: (t) => [
        `CREATE TABLE ${t('audit_log')} (
           event_id text PRIMARY KEY,
           position_commit bigint NOT NULL,
           position_prepare bigint NOT NULL,
           occurred_at timestamptz NOT NULL,
           actor text NOT NULL,
           action text NOT NULL,
           category text NOT NULL,
           workspace_id text,
           subject text NOT NULL,
           summary text NOT NULL,
           before_state jsonb,
           after_state jsonb,
           stream_id text NOT NULL
         )`,
      ],
      indexes: (t) => [
        `CREATE INDEX ${t('audit_log')}_order ON ${t('audit_log')} (position_commit DESC, position_prepare DESC)`,
        `CREATE INDEX ${t('audit_log')}_actor ON ${t('audit_log')} (actor, position_commit DESC)`,
        `CREATE INDEX ${t('audit_log')}_workspace ON ${t('audit_log')} (workspace_id, position_commit DESC)`,
        `CREATE INDEX ${t('audit_log')}_occurred ON ${t('audit_log')} (occurred_at)`,
      ],
    },
    {
      base: 'audit_entities',
      orderBy: 'entity_key',
      internal: true,
      ddl: (t) => [
        `CREATE TABLE ${t('audit_entities')} (
           entity_key text PRIMARY KEY,
           state jsonb
         )`,
      ],
    },
  ],
  handles: (type) => HANDLED.has(type),
  eventTypes: [...HANDLED],
  decode,
  async projectBatch(
    events: readonly DecodedEvent<AuditInput>[],
    ctx: ProjectionContext,
  ): Promise<SqlStatement[]> {
    const steps: { step: Step; recorded: RecordedEvent }[] = [];
    for (const { event, recorded } of events) {
      const step = stepOf(event, recorded);
      if (step) steps.push({ step, recorded });
    }
    if (steps.length === 0) return [];
    const keys = [...new Set(steps.map((s) => s.step.key))];
    const states = new Map<string, JsonObject | null>();
    for (const r of await ctx.query<EntityRow>(
      `SELECT entity_key, state FROM ${ctx.t('audit_entities')} WHERE entity_key = ANY($1)`,
      [keys],
    ))
      states.set(r.entity_key, r.state);
    const touched = new Set<string>();
    const entries: AuditEntry[] = [];
    for (const { step, recorded } of steps) {
      const before = states.get(step.key) ?? null;
      const after = step.next(before);
      states.set(step.key, after);
      touched.add(step.key);
      if (!step.row) continue;
      // Who owns an order or an account comes from the entity's own earlier events.
      const workspaceId =
        step.row.workspaceId ??
        (after?.workspaceId as string | undefined) ??
        (before?.workspaceId as string | undefined) ??
        null;
      entries.push({
        ...step.row,
        workspaceId,
        eventId: recorded.id,
        commit: recorded.position.commit,
        prepare: recorded.position.prepare,
        streamId: recorded.streamId,
        before,
        after,
      });
    }
    return [
      ...insertEntries(ctx.t('audit_log'), entries),
      ...upsertEntities(ctx.t('audit_entities'), touched, states),
    ];
  },
};
