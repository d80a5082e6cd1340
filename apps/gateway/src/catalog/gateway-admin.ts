import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  aliasDecider,
  aliasStream,
  apiKeyDecider,
  apiKeyStream,
  blockingLines,
  costProfileDecider,
  costProfileStream,
  effectiveAt as effectiveInHistory,
  parseRecordedCatalogEvent,
  providerDecider,
  providerStream,
  reviewLines,
  sellPriceDecider,
  sellPriceStream,
  type AliasStatus,
  type CorrectionWindow,
  type DeploymentSpec,
  type History,
  type MarginReview,
  type MarginReviewLine,
  type SellPriceSpec,
  type TokenCost,
} from '@tollgate/catalog';
import {
  DomainError,
  handleCommand,
  type DecidedEvent,
  type Decider,
  type GlobalPosition,
  type EventStore,
} from '@tollgate/event-store';
import { hashApiKey } from '@tollgate/gateway-core';
import { parseCredits, parsePricePerMillion, parseDecimal } from '@tollgate/money';
import { waitForProjections } from '@tollgate/projections';
import { SecretBox } from '../secrets/secret-box';
import { CATALOG_PROJECTION_NAME } from './catalog.projection';
import { costOfRow, priceSpecOfRow, providerAad } from './postgres-catalog';

const KEY_SECRET_BYTES = 24;
const KEY_PREFIX_CHARS = 12;
const MAX_DEPLOYMENTS = 16;
const MAX_KEYS_LISTED = 1000;

const name = z.string().min(1).max(200);
const price = z.string().refine((s) => {
  try {
    parsePricePerMillion(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a non-negative decimal string');
const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:/-]+$/);

export const CreateApiKeySchema = z.object({
  workspaceId: name,
  accountId: name,
  name: name.default('default'),
  allowedModels: z.array(modelName).max(1000).nullable().optional(),
  /** Credits as a decimal string, e.g. "25.5". */
  spendLimitCredits: z.string().nullable().optional(),
  requestsPerMinute: z.number().int().positive().nullable().optional(),
  tokensPerMinute: z.number().int().positive().nullable().optional(),
  /** An operator's test key: may route aliases that are not open yet. */
  adminTest: z.boolean().optional(),
  actor: name.optional(),
});

export const ApiKeyLimitsSchema = CreateApiKeySchema.pick({
  allowedModels: true,
  spendLimitCredits: true,
  requestsPerMinute: true,
  tokensPerMinute: true,
  actor: true,
});

const region = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes, at most 32')
  .nullable();

export const CreateProviderSchema = z.object({
  name,
  kind: z.literal('openai_compatible').default('openai_compatible'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().min(1).max(4096),
  region: region.optional(),
  actor: name.optional(),
});

export const UpdateProviderSchema = z.object({
  name: name.optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  region: region.optional(),
  actor: name.optional(),
});

export const SetCostProfileSchema = z.object({
  providerId: name,
  upstreamModel: modelName,
  inputPerMillion: price,
  cachedInputPerMillion: price.optional(),
  outputPerMillion: price,
  effectiveAt: z.date().optional(),
  actor: name.optional(),
});

export const SetSellPriceSchema = z.object({
  alias: modelName,
  price: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('markup'),
      markupPercent: z.string().refine((s) => {
        try {
          return parseDecimal(s, { maxScale: 18 }).numerator > -100n * 10n ** 18n;
        } catch {
          return false;
        }
      }, 'must be a decimal percent above -100'),
    }),
    z.object({
      kind: z.literal('per_million'),
      inputPerMillion: price,
      cachedInputPerMillion: price.optional(),
      outputPerMillion: price,
    }),
  ]),
  effectiveAt: z.date().optional(),
  actor: name.optional(),
});

export const UpsertAliasSchema = z.object({
  name: modelName,
  policy: z.enum(['priority', 'cost']).default('priority'),
  defaultMaxOutputTokens: z.number().int().positive().nullable().optional(),
  deployments: z
    .array(
      z.object({
        providerId: name,
        upstreamModel: modelName,
        priority: z.number().int().min(0).max(1000).default(0),
        weight: z.number().int().min(0).max(1_000_000).default(1),
      }),
    )
    .min(1)
    .max(MAX_DEPLOYMENTS),
  actor: name.optional(),
});

export const ChangeAliasStatusSchema = z.object({
  to: z.enum(['draft', 'in_review', 'open', 'paused', 'retired']),
  reason: z.string().trim().min(1).max(500),
  /** Opens despite a margin below the threshold; recorded with the review. */
  overrideReason: z.string().trim().min(1).max(500).nullable().optional(),
  actor: name.optional(),
});

export interface ApiKeyListing {
  id: string;
  name: string;
  prefix: string;
  accountId: string;
  allowedModels: string[] | null;
  spendLimitNanocredits: bigint | null;
  spentNanocredits: bigint;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  createdAt: Date;
  revokedAt: Date | null;
  adminTest: boolean;
}

export interface ProviderListing {
  id: string;
  name: string;
  kind: string;
  baseUrl: string;
  region: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AliasListing {
  name: string;
  policy: 'priority' | 'cost';
  defaultMaxOutputTokens: number | null;
  status: AliasStatus;
  deployments: DeploymentSpec[];
  createdAt: Date;
  updatedAt: Date;
}

/** The margin review of an alias as it stands now: what opening would record. */
export interface AliasReview extends MarginReview {
  alias: string;
  status: AliasStatus;
  /** Deployments whose margin is unknown, negative or below the threshold. */
  blockingDeploymentIds: string[];
}

export interface AliasHistoryEntry {
  kind: 'status' | 'margin_flagged';
  from: AliasStatus | null;
  to: AliasStatus | null;
  reason: string;
  review: unknown;
  actor: string;
  at: Date;
}

export interface GatewayAdminOptions {
  store: EventStore;
  /** Called after every change (the local gateway drops its cache; others see it within their TTL). */
  onChange?: () => void;
  /** Margin every deployment needs to open an alias without override (TOLLGATE_MARGIN_THRESHOLD_PERCENT). */
  marginThresholdPercent?: string;
  /** Pause an open alias when a change pushes a margin below the threshold (TOLLGATE_PAUSE_ON_LOW_MARGIN). */
  pauseOnLowMargin?: boolean;
  /** Bound on waiting for the catalog projection after a write (read-your-writes). */
  projectionWaitMs?: number;
  now?: () => Date;
}

const DEFAULT_ACTOR = 'admin';
const DEFAULT_PROJECTION_WAIT_MS = 5_000;
const MAX_ALIASES_LISTED = 1000;
const MAX_HISTORY_LISTED = 200;

function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new DomainError('INVALID_INPUT', `${field || 'input'}: ${issue.message}`, { field });
  }
  return result.data;
}

function spendLimitOf(text: string | null | undefined): bigint | null {
  if (text == null) return null;
  let amount: bigint;
  try {
    amount = parseCredits(text);
  } catch {
    throw new DomainError('INVALID_INPUT', 'spendLimitCredits: must be a decimal number of credits', {
      field: 'spendLimitCredits',
    });
  }
  if (amount < 0n)
    throw new DomainError('INVALID_INPUT', 'spendLimitCredits: must not be negative', {
      field: 'spendLimitCredits',
    });
  return amount;
}

/**
 * Admin-side changes to the gateway catalog, as commands on the catalog's event streams (deciders in
 * libs/catalog): customer keys (shown once, stored as sha256 + prefix), providers (upstream key sealed
 * with the master key), cost profiles and sell prices (new versions, never edits), aliases with their
 * deployments and lifecycle. Every write returns once the `gateway_catalog` projection has applied it
 * (read-your-writes, bounded), and the local gateway's cache is dropped.
 */
export class GatewayAdmin {
  private readonly store: EventStore;
  private readonly onChange: () => void;
  private readonly now: () => Date;
  readonly marginThresholdPercent: string;
  private readonly pauseOnLowMargin: boolean;
  private readonly projectionWaitMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
    options: GatewayAdminOptions,
  ) {
    this.store = options.store;
    this.onChange = options.onChange ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.marginThresholdPercent = options.marginThresholdPercent ?? '0';
    this.pauseOnLowMargin = options.pauseOnLowMargin ?? false;
    this.projectionWaitMs = options.projectionWaitMs ?? DEFAULT_PROJECTION_WAIT_MS;
  }

  /** read → decide → append on one stream; then waits until the catalog tables show the change. */
  private async run<C, E extends DecidedEvent, S>(
    streamId: string,
    decider: Decider<C, E, S>,
    command: C & { actor: string },
  ): Promise<{ events: E[]; state: S }> {
    const result = await handleCommand({
      store: this.store,
      streamId,
      decider,
      command,
      parse: (r) => parseRecordedCatalogEvent(r) as unknown as E,
      metadata: { actor: command.actor },
    });
    if (result.position) await this.awaitProjection(result.position);
    if (result.events.length > 0) this.onChange();
    return { events: result.events, state: result.state };
  }

  private async awaitProjection(position: GlobalPosition): Promise<void> {
    try {
      await waitForProjections(this.pool, this.store, [CATALOG_PROJECTION_NAME], {
        until: position,
        timeoutMs: this.projectionWaitMs,
        pollMs: 10,
      });
    } catch {
      throw new DomainError(
        'CATALOG_PROJECTION_BEHIND',
        `the change is recorded but the catalog projection has not applied it within ${this.projectionWaitMs} ms; ` +
          'the gateway will see it once the projector catches up (check `tollgate projections status`)',
      );
    }
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  // ---------------------------------------------------------------- API keys

  /** Returns the secret exactly once; only its hash is stored. */
  async createApiKey(
    input: z.input<typeof CreateApiKeySchema>,
  ): Promise<{ id: string; secret: string; prefix: string }> {
    const k = validate(CreateApiKeySchema, input);
    const spendLimit = spendLimitOf(k.spendLimitCredits);
    const secret = `tg_${randomBytes(KEY_SECRET_BYTES).toString('base64url')}`;
    const prefix = secret.slice(0, KEY_PREFIX_CHARS);
    const id = `key_${randomUUID()}`;
    await this.run(apiKeyStream(id), apiKeyDecider, {
      type: 'CreateApiKey',
      keyId: id,
      workspaceId: k.workspaceId,
      accountId: k.accountId,
      name: k.name,
      prefix,
      secretSha256: hashApiKey(secret),
      allowedModels: k.allowedModels ?? null,
      spendLimitNanocredits: spendLimit,
      requestsPerMinute: k.requestsPerMinute ?? null,
      tokensPerMinute: k.tokensPerMinute ?? null,
      adminTest: k.adminTest ?? false,
      actor: k.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    return { id, secret, prefix };
  }

  async listApiKeys(workspaceId: string): Promise<ApiKeyListing[]> {
    const { rows } = await this.pool.query(
      `SELECT k.id, k.name, k.prefix, k.account_id, k.allowed_models, k.spend_limit_nanocredits,
              COALESCE(s.spent_nanocredits, 0) AS spent_nanocredits, k.requests_per_minute, k.tokens_per_minute,
              k.created_at, k.revoked_at, k.admin_test
         FROM gateway_api_keys k LEFT JOIN gateway_api_key_spend s ON s.key_id = k.id
        WHERE k.workspace_id = $1 ORDER BY k.created_at, k.id LIMIT ${MAX_KEYS_LISTED}`,
      [workspaceId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      accountId: r.account_id,
      allowedModels: r.allowed_models,
      spendLimitNanocredits: r.spend_limit_nanocredits === null ? null : BigInt(r.spend_limit_nanocredits),
      spentNanocredits: BigInt(r.spent_nanocredits),
      requestsPerMinute: r.requests_per_minute,
      tokensPerMinute: r.tokens_per_minute,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
      adminTest: r.admin_test,
    }));
  }

  /** Replaces a key's limits (allow-list, spend limit, rates); a no-op when unchanged. */
  async changeApiKeyLimits(
    workspaceId: string,
    keyId: string,
    input: z.input<typeof ApiKeyLimitsSchema>,
  ): Promise<void> {
    const l = validate(ApiKeyLimitsSchema, input);
    await this.run(apiKeyStream(keyId), apiKeyDecider, {
      type: 'ChangeApiKeyLimits',
      keyId,
      workspaceId,
      allowedModels: l.allowedModels ?? null,
      spendLimitNanocredits: spendLimitOf(l.spendLimitCredits),
      requestsPerMinute: l.requestsPerMinute ?? null,
      tokensPerMinute: l.tokensPerMinute ?? null,
      actor: l.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
  }

  /** Revokes a key of this workspace (idempotent). */
  async revokeApiKey(workspaceId: string, keyId: string, actor = DEFAULT_ACTOR): Promise<void> {
    await this.run(apiKeyStream(keyId), apiKeyDecider, {
      type: 'RevokeApiKey',
      keyId,
      workspaceId,
      actor,
      now: this.nowIso(),
    });
  }

  // ---------------------------------------------------------------- providers

  async createProvider(input: z.input<typeof CreateProviderSchema>): Promise<{ id: string }> {
    const p = validate(CreateProviderSchema, input);
    if (await this.findProviderByName(p.name))
      throw new DomainError('PROVIDER_ALREADY_EXISTS', `a provider named ${JSON.stringify(p.name)} exists`, {
        field: 'name',
      });
    const id = `prov_${randomUUID()}`;
    await this.run(providerStream(id), providerDecider, {
      type: 'RegisterProvider',
      providerId: id,
      name: p.name,
      baseUrl: p.baseUrl,
      apiKeySealed: this.box.seal(p.apiKey, providerAad(id)),
      region: p.region ?? null,
      actor: p.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    return { id };
  }

  /** Changes name, base URL or region (unset fields stay); returns whether anything changed. */
  async updateProvider(providerId: string, input: z.input<typeof UpdateProviderSchema>): Promise<boolean> {
    const u = validate(UpdateProviderSchema, input);
    const current = (await this.listProviders()).find((p) => p.id === providerId);
    if (!current) throw new DomainError('PROVIDER_NOT_FOUND', `no provider ${providerId}`);
    const name = u.name ?? current.name;
    if (name !== current.name && (await this.findProviderByName(name)))
      throw new DomainError('PROVIDER_ALREADY_EXISTS', `a provider named ${JSON.stringify(name)} exists`, {
        field: 'name',
      });
    const { events } = await this.run(providerStream(providerId), providerDecider, {
      type: 'UpdateProvider',
      providerId,
      name,
      baseUrl: u.baseUrl ?? current.baseUrl,
      region: u.region === undefined ? current.region : u.region,
      actor: u.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    return events.length > 0;
  }

  /** Seals and records a new upstream key; nothing happens when it is the key already in use. */
  async rotateProviderKey(providerId: string, apiKey: string, actor = DEFAULT_ACTOR): Promise<boolean> {
    const { rows } = await this.pool.query<{ api_key_sealed: string }>(
      'SELECT api_key_sealed FROM gateway_providers WHERE id = $1',
      [providerId],
    );
    if (rows[0] && this.box.open(rows[0].api_key_sealed, providerAad(providerId)) === apiKey) return false;
    await this.run(providerStream(providerId), providerDecider, {
      type: 'RotateProviderKey',
      providerId,
      apiKeySealed: this.box.seal(apiKey, providerAad(providerId)),
      actor,
      now: this.nowIso(),
    });
    return true;
  }

  /** Whether this is the upstream key the provider uses now (compared in memory, never logged). */
  async providerKeyMatches(providerId: string, apiKey: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ api_key_sealed: string }>(
      'SELECT api_key_sealed FROM gateway_providers WHERE id = $1',
      [providerId],
    );
    return rows[0] !== undefined && this.box.open(rows[0].api_key_sealed, providerAad(providerId)) === apiKey;
  }

  async listProviders(): Promise<ProviderListing[]> {
    // Only public columns: the sealed upstream key is never selected.
    const { rows } = await this.pool.query(
      `SELECT id, name, kind, base_url, region, created_at, updated_at FROM gateway_providers
        ORDER BY created_at, id LIMIT ${MAX_ALIASES_LISTED}`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      baseUrl: r.base_url,
      region: r.region,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async findProviderByName(providerName: string): Promise<ProviderListing | null> {
    return (await this.listProviders()).find((p) => p.name === providerName) ?? null;
  }

  // ---------------------------------------------------------------- costs and prices

  /** Appends a new cost profile version (effective now unless given); the cost in force again is a no-op. */
  async setCostProfile(input: z.input<typeof SetCostProfileSchema>): Promise<{ version: number }> {
    const c = validate(SetCostProfileSchema, input);
    await this.requireProvider(c.providerId, 'providerId');
    const { state } = await this.run(costProfileStream(c.providerId, c.upstreamModel), costProfileDecider, {
      type: 'SetCostProfile',
      providerId: c.providerId,
      upstreamModel: c.upstreamModel,
      cost: {
        inputPerMillion: c.inputPerMillion,
        cachedInputPerMillion: c.cachedInputPerMillion ?? null,
        outputPerMillion: c.outputPerMillion,
      },
      effectiveAt: c.effectiveAt ? c.effectiveAt.toISOString() : null,
      actor: c.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    await this.recheckMargins(
      { providerId: c.providerId, upstreamModel: c.upstreamModel },
      c.actor ?? DEFAULT_ACTOR,
    );
    return { version: state.latest?.version ?? 0 };
  }

  /** Appends a new sell price version for an alias (effective now unless given); the price in force again is a no-op. */
  async setSellPrice(input: z.input<typeof SetSellPriceSchema>): Promise<{ version: number }> {
    const s = validate(SetSellPriceSchema, input);
    const p = s.price;
    const spec: SellPriceSpec =
      p.kind === 'markup'
        ? { kind: 'markup', markupPercent: p.markupPercent }
        : {
            kind: 'per_million',
            inputPerMillion: p.inputPerMillion,
            cachedInputPerMillion: p.cachedInputPerMillion ?? null,
            outputPerMillion: p.outputPerMillion,
          };
    const { state } = await this.run(sellPriceStream(s.alias), sellPriceDecider, {
      type: 'SetSellPrice',
      alias: s.alias,
      price: spec,
      effectiveAt: s.effectiveAt ? s.effectiveAt.toISOString() : null,
      actor: s.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    await this.checkMargins(s.alias, s.actor ?? DEFAULT_ACTOR);
    return { version: state.latest?.version ?? 0 };
  }

  /** The cost in force now for a provider's model, corrections included; null when none. */
  async costInForce(providerId: string, upstreamModel: string): Promise<TokenCost | null> {
    const [versions, fixes] = await Promise.all([
      this.pool.query(
        `SELECT * FROM gateway_cost_profiles WHERE provider_id = $1 AND upstream_model = $2
          ORDER BY effective_at, version`,
        [providerId, upstreamModel],
      ),
      this.pool.query(
        `SELECT * FROM gateway_cost_corrections WHERE provider_id = $1 AND upstream_model = $2
          ORDER BY position_commit, position_prepare`,
        [providerId, upstreamModel],
      ),
    ]);
    const history: History<TokenCost> = {
      versions: versions.rows.map((r) => ({
        version: r.version,
        effectiveAtMs: r.effective_at.getTime(),
        value: costOfRow(r),
      })),
      corrections: fixes.rows.map((r) => windowOfRow(r, costOfRow(r))),
    };
    return effectiveInHistory(history, this.now().getTime())?.value ?? null;
  }

  /** The sell price in force now for an alias, corrections included; null when none. */
  async priceInForce(alias: string): Promise<SellPriceSpec | null> {
    const [versions, fixes] = await Promise.all([
      this.pool.query('SELECT * FROM gateway_sell_prices WHERE alias = $1 ORDER BY effective_at, version', [
        alias,
      ]),
      this.pool.query(
        'SELECT * FROM gateway_price_corrections WHERE alias = $1 ORDER BY position_commit, position_prepare',
        [alias],
      ),
    ]);
    const history: History<SellPriceSpec> = {
      versions: versions.rows.map((r) => ({
        version: r.version,
        effectiveAtMs: r.effective_at.getTime(),
        value: priceSpecOfRow(r),
      })),
      corrections: fixes.rows.map((r) => windowOfRow(r, priceSpecOfRow(r))),
    };
    return effectiveInHistory(history, this.now().getTime())?.value ?? null;
  }

  // ---------------------------------------------------------------- aliases

  /** Creates (as a draft) or replaces an alias's routing; deployments keep their ids across edits. */
  async upsertAlias(input: z.input<typeof UpsertAliasSchema>): Promise<void> {
    const a = validate(UpsertAliasSchema, input);
    for (const [i, d] of a.deployments.entries())
      await this.requireProvider(d.providerId, `deployments.${i}.providerId`);
    const { events } = await this.run(aliasStream(a.name), aliasDecider, {
      type: 'DefineAlias',
      alias: a.name,
      policy: a.policy,
      defaultMaxOutputTokens: a.defaultMaxOutputTokens ?? null,
      deployments: a.deployments.map((d) => ({ deploymentId: `dep_${randomUUID()}`, ...d })),
      actor: a.actor ?? DEFAULT_ACTOR,
      now: this.nowIso(),
    });
    if (events.some((e) => e.type === 'AliasRoutingChanged'))
      await this.checkMargins(a.name, a.actor ?? DEFAULT_ACTOR);
  }

  async getAlias(name: string): Promise<AliasListing | null> {
    return (await this.listAliases([name]))[0] ?? null;
  }

  async listAliases(names?: readonly string[]): Promise<AliasListing[]> {
    const filter = names ? 'WHERE name = ANY($1::text[])' : '';
    const [aliases, deployments] = await Promise.all([
      this.pool.query(
        `SELECT * FROM gateway_aliases ${filter} ORDER BY name LIMIT ${MAX_ALIASES_LISTED}`,
        names ? [names] : [],
      ),
      this.pool.query(
        `SELECT * FROM gateway_deployments ${names ? 'WHERE alias = ANY($1::text[])' : ''} ORDER BY alias, ordinal`,
        names ? [names] : [],
      ),
    ]);
    return aliases.rows.map((a) => ({
      name: a.name,
      policy: a.policy,
      defaultMaxOutputTokens: a.default_max_output_tokens,
      status: a.status,
      createdAt: a.created_at,
      updatedAt: a.updated_at,
      deployments: deployments.rows
        .filter((d) => d.alias === a.name)
        .map((d) => ({
          deploymentId: d.id,
          providerId: d.provider_id,
          upstreamModel: d.upstream_model,
          priority: d.priority,
          weight: d.weight,
        })),
    }));
  }

  /** Cost, price and margin per deployment now, and which deployments block opening. */
  async reviewAlias(name: string): Promise<AliasReview> {
    const alias = await this.getAlias(name);
    if (!alias) throw new DomainError('ALIAS_NOT_FOUND', `no alias ${name}`);
    const costs = new Map<string, TokenCost | null>();
    for (const d of alias.deployments)
      costs.set(d.deploymentId, await this.costInForce(d.providerId, d.upstreamModel));
    const lines: MarginReviewLine[] = reviewLines(
      alias.deployments,
      (d) => costs.get(d.deploymentId) ?? null,
      await this.priceInForce(name),
    );
    return {
      alias: name,
      status: alias.status,
      thresholdPercent: this.marginThresholdPercent,
      lines,
      blockingDeploymentIds: blockingLines(lines, this.marginThresholdPercent).map((l) => l.deploymentId),
    };
  }

  /**
   * Moves an alias through its lifecycle. Opening records the review as read now and is refused when
   * a margin blocks it, unless an override reason is given. Opening a draft passes through review.
   */
  async changeAliasStatus(
    name: string,
    input: z.input<typeof ChangeAliasStatusSchema>,
  ): Promise<{ status: AliasStatus; review: AliasReview | null; changed: boolean }> {
    const c = validate(ChangeAliasStatusSchema, input);
    const actor = c.actor ?? DEFAULT_ACTOR;
    let changed = false;
    if (c.to === 'open') {
      const current = await this.getAlias(name);
      if (current?.status === 'draft') {
        const first = await this.run(aliasStream(name), aliasDecider, {
          type: 'ChangeAliasStatus',
          alias: name,
          to: 'in_review',
          reason: c.reason,
          review: null,
          overrideReason: null,
          actor,
          now: this.nowIso(),
        });
        changed = first.events.length > 0;
      }
    }
    const review = c.to === 'open' ? await this.reviewAlias(name) : null;
    const { events, state } = await this.run(aliasStream(name), aliasDecider, {
      type: 'ChangeAliasStatus',
      alias: name,
      to: c.to,
      reason: c.reason,
      review: review ? { thresholdPercent: review.thresholdPercent, lines: review.lines } : null,
      overrideReason: c.overrideReason ?? null,
      actor,
      now: this.nowIso(),
    });
    return {
      status: state.status === 'none' ? c.to : state.status,
      review,
      changed: changed || events.length > 0,
    };
  }

  /** Opens an alias (through review if it is a draft). */
  openAlias(
    name: string,
    options: { reason?: string; overrideReason?: string | null; actor?: string } = {},
  ): Promise<{ status: AliasStatus; review: AliasReview | null; changed: boolean }> {
    return this.changeAliasStatus(name, {
      to: 'open',
      reason: options.reason ?? 'opened',
      overrideReason: options.overrideReason ?? null,
      actor: options.actor,
    });
  }

  /** Status changes and margin flags of an alias, newest first. */
  async aliasHistory(name: string): Promise<AliasHistoryEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT kind, from_status, to_status, reason, review, actor, at FROM gateway_alias_history
        WHERE alias = $1 ORDER BY revision DESC LIMIT ${MAX_HISTORY_LISTED}`,
      [name],
    );
    return rows.map((r) => ({
      kind: r.kind,
      from: r.from_status,
      to: r.to_status,
      reason: r.reason,
      review: r.review,
      actor: r.actor,
      at: r.at,
    }));
  }

  /** Margin flags across aliases, newest first (the admin workspace's list). */
  async marginFlags(limit = MAX_HISTORY_LISTED): Promise<(AliasHistoryEntry & { alias: string })[]> {
    const { rows } = await this.pool.query(
      `SELECT alias, kind, from_status, to_status, reason, review, actor, at FROM gateway_alias_history
        WHERE kind = 'margin_flagged' ORDER BY at DESC LIMIT $1`,
      [Math.min(Math.max(1, limit), MAX_HISTORY_LISTED)],
    );
    return rows.map((r) => ({
      alias: r.alias,
      kind: r.kind,
      from: r.from_status,
      to: r.to_status,
      reason: r.reason,
      review: r.review,
      actor: r.actor,
      at: r.at,
    }));
  }

  /**
   * Re-checks margins after a change made elsewhere (e.g. a cost or price correction covering now):
   * flags, and with pauseOnLowMargin pauses, each affected open alias whose margin fell below the threshold.
   */
  async recheckMargins(
    scope: { alias: string } | { providerId: string; upstreamModel: string },
    actor = DEFAULT_ACTOR,
  ): Promise<void> {
    if ('alias' in scope) return this.checkMargins(scope.alias, actor);
    const { rows } = await this.pool.query<{ alias: string }>(
      'SELECT DISTINCT alias FROM gateway_deployments WHERE provider_id = $1 AND upstream_model = $2',
      [scope.providerId, scope.upstreamModel],
    );
    for (const r of rows) await this.checkMargins(r.alias, actor);
  }

  /** After a cost, price or routing change: flags (and maybe pauses) an alias whose margin fell. */
  private async checkMargins(alias: string, actor: string): Promise<void> {
    const current = await this.getAlias(alias);
    if (!current || current.status === 'draft' || current.status === 'retired') return;
    const review = await this.reviewAlias(alias);
    if (review.blockingDeploymentIds.length === 0) return;
    await this.run(aliasStream(alias), aliasDecider, {
      type: 'FlagAliasMargin',
      alias,
      review: { thresholdPercent: review.thresholdPercent, lines: review.lines },
      pause: this.pauseOnLowMargin,
      actor,
      now: this.nowIso(),
    });
  }

  private async requireProvider(providerId: string, field: string): Promise<void> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM gateway_providers WHERE id = $1', [providerId]);
    if (rowCount === 0) throw new DomainError('PROVIDER_NOT_FOUND', `no provider ${providerId}`, { field });
  }
}

function windowOfRow<T>(r: Record<string, unknown>, value: T): CorrectionWindow<T> {
  return {
    correctionId: r.correction_id as string,
    fromMs: (r.from_at as Date).getTime(),
    toMs: r.to_at === null ? null : (r.to_at as Date).getTime(),
    value,
    reason: r.reason as string,
    rerate: r.rerate as boolean,
    actor: r.actor as string,
    atMs: (r.created_at as Date).getTime(),
  };
}
