import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { hashApiKey } from '@tollgate/gateway-core';
import { parseCredits, parsePricePerMillion, parseDecimal } from '@tollgate/money';
import { SecretBox } from '../secrets/secret-box';
import { providerAad } from './postgres-catalog';

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
});

export const CreateProviderSchema = z.object({
  name,
  kind: z.literal('openai_compatible').default('openai_compatible'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().min(1).max(4096),
});

export const SetCostProfileSchema = z.object({
  providerId: name,
  upstreamModel: modelName,
  inputPerMillion: price,
  cachedInputPerMillion: price.optional(),
  outputPerMillion: price,
  effectiveAt: z.date().optional(),
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
}

function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new DomainError('INVALID_INPUT', `${field || 'input'}: ${issue.message}`, { field });
  }
  return result.data;
}

/**
 * Admin-side changes to the gateway catalog: customer keys (shown once, stored as sha256 + prefix),
 * providers (upstream key sealed with the master key), cost profiles and sell prices (new versions,
 * never edits), aliases with their deployments. The gateway sees changes within its cache TTL.
 */
export class GatewayAdmin {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
    /** Called after every change (the local gateway drops its cache; others see it within their TTL). */
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** Returns the secret exactly once; only its hash is stored. */
  async createApiKey(
    input: z.input<typeof CreateApiKeySchema>,
  ): Promise<{ id: string; secret: string; prefix: string }> {
    const k = validate(CreateApiKeySchema, input);
    const spendLimit = k.spendLimitCredits == null ? null : parseCredits(k.spendLimitCredits);
    if (spendLimit !== null && spendLimit < 0n)
      throw new DomainError('INVALID_INPUT', 'spendLimitCredits: must not be negative');
    const secret = `tg_${randomBytes(KEY_SECRET_BYTES).toString('base64url')}`;
    const prefix = secret.slice(0, KEY_PREFIX_CHARS);
    const id = `key_${randomUUID()}`;
    await this.pool.query(
      `INSERT INTO gateway_api_keys (id, workspace_id, account_id, name, prefix, secret_sha256, allowed_models,
         spend_limit_nanocredits, requests_per_minute, tokens_per_minute)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        k.workspaceId,
        k.accountId,
        k.name,
        prefix,
        hashApiKey(secret),
        k.allowedModels ?? null,
        spendLimit?.toString() ?? null,
        k.requestsPerMinute ?? null,
        k.tokensPerMinute ?? null,
      ],
    );
    this.onChange();
    return { id, secret, prefix };
  }

  async listApiKeys(workspaceId: string): Promise<ApiKeyListing[]> {
    const { rows } = await this.pool.query(
      `SELECT id, name, prefix, account_id, allowed_models, spend_limit_nanocredits, spent_nanocredits,
              requests_per_minute, tokens_per_minute, created_at, revoked_at
         FROM gateway_api_keys WHERE workspace_id = $1 ORDER BY created_at, id LIMIT ${MAX_KEYS_LISTED}`,
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
    }));
  }

  /** Revokes a key of this workspace (idempotent). */
  async revokeApiKey(workspaceId: string, keyId: string): Promise<void> {
    const { rowCount } = await this.pool.query(
      'UPDATE gateway_api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND workspace_id = $2',
      [keyId, workspaceId],
    );
    if (rowCount === 0) throw new DomainError('NOT_FOUND', `no API key ${keyId} in this workspace`);
    this.onChange();
  }

  async createProvider(input: z.input<typeof CreateProviderSchema>): Promise<{ id: string }> {
    const p = validate(CreateProviderSchema, input);
    const id = `prov_${randomUUID()}`;
    await this.pool.query(
      'INSERT INTO gateway_providers (id, name, kind, base_url, api_key_sealed) VALUES ($1, $2, $3, $4, $5)',
      [id, p.name, p.kind, p.baseUrl, this.box.seal(p.apiKey, providerAad(id))],
    );
    this.onChange();
    return { id };
  }

  async rotateProviderKey(providerId: string, apiKey: string): Promise<void> {
    const { rowCount } = await this.pool.query(
      'UPDATE gateway_providers SET api_key_sealed = $2, updated_at = now() WHERE id = $1',
      [providerId, this.box.seal(apiKey, providerAad(providerId))],
    );
    if (rowCount === 0) throw new DomainError('NOT_FOUND', `no provider ${providerId}`);
    this.onChange();
  }

  /** Appends a new cost profile version (effective now unless given). */
  async setCostProfile(input: z.input<typeof SetCostProfileSchema>): Promise<{ version: number }> {
    const c = validate(SetCostProfileSchema, input);
    const { rows } = await this.pool.query<{ version: number }>(
      `INSERT INTO gateway_cost_profiles (provider_id, upstream_model, version, effective_at, input_per_million,
         cached_input_per_million, output_per_million)
       SELECT $1, $2, COALESCE(MAX(version), 0) + 1, COALESCE($3, now()), $4, $5, $6
         FROM gateway_cost_profiles WHERE provider_id = $1 AND upstream_model = $2
       RETURNING version`,
      [
        c.providerId,
        c.upstreamModel,
        c.effectiveAt ?? null,
        c.inputPerMillion,
        c.cachedInputPerMillion ?? null,
        c.outputPerMillion,
      ],
    );
    this.onChange();
    return { version: rows[0].version };
  }

  /** Appends a new sell price version for an alias (effective now unless given). */
  async setSellPrice(input: z.input<typeof SetSellPriceSchema>): Promise<{ version: number }> {
    const s = validate(SetSellPriceSchema, input);
    const p = s.price;
    const { rows } = await this.pool.query<{ version: number }>(
      `INSERT INTO gateway_sell_prices (alias, version, effective_at, kind, markup_percent, input_per_million,
         cached_input_per_million, output_per_million)
       SELECT $1, COALESCE(MAX(version), 0) + 1, COALESCE($2, now()), $3, $4, $5, $6, $7
         FROM gateway_sell_prices WHERE alias = $1
       RETURNING version`,
      [
        s.alias,
        s.effectiveAt ?? null,
        p.kind,
        p.kind === 'markup' ? p.markupPercent : null,
        p.kind === 'per_million' ? p.inputPerMillion : null,
        p.kind === 'per_million' ? (p.cachedInputPerMillion ?? null) : null,
        p.kind === 'per_million' ? p.outputPerMillion : null,
      ],
    );
    this.onChange();
    return { version: rows[0].version };
  }

  /** Creates or replaces an alias and its ordered deployments, in one transaction. */
  async upsertAlias(input: z.input<typeof UpsertAliasSchema>): Promise<void> {
    const a = validate(UpsertAliasSchema, input);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO gateway_aliases (name, policy, default_max_output_tokens) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET policy = EXCLUDED.policy,
           default_max_output_tokens = EXCLUDED.default_max_output_tokens, updated_at = now()`,
        [a.name, a.policy, a.defaultMaxOutputTokens ?? null],
      );
      // Deployment ids stay stable across edits (circuit breakers and usage rows refer to them).
      await client.query(
        `DELETE FROM gateway_deployments WHERE alias = $1
           AND (provider_id, upstream_model) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
        [a.name, a.deployments.map((d) => d.providerId), a.deployments.map((d) => d.upstreamModel)],
      );
      for (const d of a.deployments)
        await client.query(
          `INSERT INTO gateway_deployments (id, alias, provider_id, upstream_model, priority, weight)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (alias, provider_id, upstream_model) DO UPDATE SET priority = EXCLUDED.priority, weight = EXCLUDED.weight`,
          [`dep_${randomUUID()}`, a.name, d.providerId, d.upstreamModel, d.priority, d.weight],
        );
      await client.query('COMMIT');
      this.onChange();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((err as { code?: string }).code === '23503')
        throw new DomainError('NOT_FOUND', 'a deployment names an unknown provider');
      throw err;
    } finally {
      client.release();
    }
  }
}
