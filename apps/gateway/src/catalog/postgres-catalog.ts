import type { Pool } from 'pg';
import type { TokenPrices } from '@tollgate/money';
import {
  costProfileKey,
  type AliasRecord,
  type ApiKeyRecord,
  type CatalogSnapshot,
  type DeploymentRecord,
  type GatewayCatalog,
  type ProviderRecord,
  type SellPrice,
  type Versioned,
} from '@tollgate/gateway-core';
import { SecretBox } from '../secrets/secret-box';

interface KeyRow {
  id: string;
  workspace_id: string;
  account_id: string;
  prefix: string;
  allowed_models: string[] | null;
  spend_limit_nanocredits: string | null;
  spent_nanocredits: string;
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  revoked_at: Date | null;
}

/** Reads the gateway catalog from Postgres; upstream keys are decrypted here and only kept in memory. */
export class PostgresCatalog implements GatewayCatalog {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT id, workspace_id, account_id, prefix, allowed_models, spend_limit_nanocredits, spent_nanocredits,
              requests_per_minute, tokens_per_minute, revoked_at
         FROM gateway_api_keys WHERE secret_sha256 = $1`,
      [secretHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      accountId: r.account_id,
      prefix: r.prefix,
      allowedModels: r.allowed_models,
      spendLimitNanocredits: r.spend_limit_nanocredits === null ? null : BigInt(r.spend_limit_nanocredits),
      spentNanocredits: BigInt(r.spent_nanocredits),
      requestsPerMinute: r.requests_per_minute,
      tokensPerMinute: r.tokens_per_minute,
      revoked: r.revoked_at !== null,
    };
  }

  /** Adds charged amounts to keys' persisted spend (one statement for the batch). */
  async addKeySpend(entries: ReadonlyArray<{ apiKeyId: string; nanocredits: bigint }>): Promise<void> {
    if (entries.length === 0) return;
    await this.pool.query(
      `UPDATE gateway_api_keys k SET spent_nanocredits = k.spent_nanocredits + d.amount
         FROM unnest($1::text[], $2::bigint[]) AS d(id, amount) WHERE k.id = d.id`,
      [entries.map((e) => e.apiKeyId), entries.map((e) => e.nanocredits.toString())],
    );
  }

  async loadSnapshot(): Promise<CatalogSnapshot> {
    const [providers, aliases, deployments, costs, prices] = await Promise.all([
      this.pool.query<{
        id: string;
        name: string;
        kind: 'openai_compatible';
        base_url: string;
        api_key_sealed: string;
      }>('SELECT id, name, kind, base_url, api_key_sealed FROM gateway_providers'),
      this.pool.query<{
        name: string;
        policy: 'priority' | 'cost';
        default_max_output_tokens: number | null;
        created_at: Date;
      }>('SELECT name, policy, default_max_output_tokens, created_at FROM gateway_aliases'),
      this.pool.query<{
        id: string;
        alias: string;
        provider_id: string;
        upstream_model: string;
        priority: number;
        weight: number;
      }>(
        'SELECT id, alias, provider_id, upstream_model, priority, weight FROM gateway_deployments ORDER BY alias, priority, id',
      ),
      this.pool.query<{
        provider_id: string;
        upstream_model: string;
        version: number;
        effective_at: Date;
        input_per_million: string;
        cached_input_per_million: string | null;
        output_per_million: string;
      }>('SELECT * FROM gateway_cost_profiles ORDER BY effective_at DESC, version DESC'),
      this.pool.query<{
        alias: string;
        version: number;
        effective_at: Date;
        kind: 'markup' | 'per_million';
        markup_percent: string | null;
        input_per_million: string | null;
        cached_input_per_million: string | null;
        output_per_million: string | null;
      }>('SELECT * FROM gateway_sell_prices ORDER BY effective_at DESC, version DESC'),
    ]);

    const providerMap = new Map<string, ProviderRecord>();
    for (const p of providers.rows)
      providerMap.set(p.id, {
        id: p.id,
        name: p.name,
        kind: p.kind,
        baseUrl: p.base_url,
        apiKey: this.box.open(p.api_key_sealed, providerAad(p.id)),
      });

    const deploymentsByAlias = new Map<string, DeploymentRecord[]>();
    for (const d of deployments.rows) {
      const list = deploymentsByAlias.get(d.alias) ?? [];
      list.push({
        id: d.id,
        providerId: d.provider_id,
        upstreamModel: d.upstream_model,
        priority: d.priority,
        weight: d.weight,
      });
      deploymentsByAlias.set(d.alias, list);
    }
    const aliasMap = new Map<string, AliasRecord>();
    for (const a of aliases.rows)
      aliasMap.set(a.name, {
        name: a.name,
        policy: a.policy,
        defaultMaxOutputTokens: a.default_max_output_tokens,
        deployments: deploymentsByAlias.get(a.name) ?? [],
        createdAtMs: a.created_at.getTime(),
      });

    const costMap = new Map<string, Versioned<TokenPrices>[]>();
    for (const c of costs.rows) {
      const key = costProfileKey(c.provider_id, c.upstream_model);
      const list = costMap.get(key) ?? [];
      list.push({
        version: c.version,
        effectiveAtMs: c.effective_at.getTime(),
        value: {
          inputPerMillion: c.input_per_million,
          ...(c.cached_input_per_million !== null
            ? { cachedInputPerMillion: c.cached_input_per_million }
            : {}),
          outputPerMillion: c.output_per_million,
        },
      });
      costMap.set(key, list);
    }

    const priceMap = new Map<string, Versioned<SellPrice>[]>();
    for (const p of prices.rows) {
      const list = priceMap.get(p.alias) ?? [];
      const value: SellPrice =
        p.kind === 'markup'
          ? { kind: 'markup', markupPercent: p.markup_percent ?? '0' }
          : {
              kind: 'per_million',
              prices: {
                inputPerMillion: p.input_per_million ?? '0',
                ...(p.cached_input_per_million !== null
                  ? { cachedInputPerMillion: p.cached_input_per_million }
                  : {}),
                outputPerMillion: p.output_per_million ?? '0',
              },
            };
      list.push({ version: p.version, effectiveAtMs: p.effective_at.getTime(), value });
      priceMap.set(p.alias, list);
    }
    return { providers: providerMap, aliases: aliasMap, sellPrices: priceMap, costProfiles: costMap };
  }
}

/** Associated data that binds a provider's sealed key to that provider. */
export function providerAad(providerId: string): string {
  return `gateway_providers:${providerId}`;
}
