import type { Pool } from 'pg';
import type { TokenPrices } from '@tollgate/money';
import {
  tokenPricesOf,
  versionsInForce,
  type CorrectionWindow,
  type History,
  type PlainVersion,
  type SellPriceSpec,
  type TokenCost,
} from '@tollgate/catalog';
import {
  costProfileKey,
  type AliasRecord,
  type AliasStatus,
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
  admin_test: boolean;
}

interface CostRow {
  input_per_million: string;
  cached_input_per_million: string | null;
  output_per_million: string;
}

interface PriceRow {
  kind: 'markup' | 'per_million';
  markup_percent: string | null;
  input_per_million: string | null;
  cached_input_per_million: string | null;
  output_per_million: string | null;
}

interface WindowRow {
  correction_id: string;
  from_at: Date;
  to_at: Date | null;
  reason: string;
  actor: string;
  created_at: Date;
  rerate: boolean;
}

export function costOfRow(r: CostRow): TokenCost {
  return {
    inputPerMillion: r.input_per_million,
    cachedInputPerMillion: r.cached_input_per_million,
    outputPerMillion: r.output_per_million,
  };
}

export function priceSpecOfRow(r: PriceRow): SellPriceSpec {
  return r.kind === 'markup'
    ? { kind: 'markup', markupPercent: r.markup_percent ?? '0' }
    : {
        kind: 'per_million',
        inputPerMillion: r.input_per_million ?? '0',
        cachedInputPerMillion: r.cached_input_per_million,
        outputPerMillion: r.output_per_million ?? '0',
      };
}

function sellPriceOf(spec: SellPriceSpec): SellPrice {
  return spec.kind === 'markup'
    ? { kind: 'markup', markupPercent: spec.markupPercent }
    : { kind: 'per_million', prices: tokenPricesOf(spec) };
}

function windowOf<T>(r: WindowRow, value: T): CorrectionWindow<T> {
  return {
    correctionId: r.correction_id,
    fromMs: r.from_at.getTime(),
    toMs: r.to_at === null ? null : r.to_at.getTime(),
    value,
    reason: r.reason,
    rerate: r.rerate,
    actor: r.actor,
    atMs: r.created_at.getTime(),
  };
}

function grouped<T>(
  map: Map<string, History<T>>,
  key: string,
): History<T> & {
  versions: PlainVersion<T>[];
  corrections: CorrectionWindow<T>[];
} {
  let h = map.get(key) as
    (History<T> & { versions: PlainVersion<T>[]; corrections: CorrectionWindow<T>[] }) | undefined;
  if (!h) {
    h = { versions: [], corrections: [] };
    map.set(key, h);
  }
  return h;
}

/**
 * Reads the gateway catalog (the `gateway_catalog` projection's views) from Postgres; upstream keys are
 * decrypted here and only kept in memory. Costs and prices include a correction covering the load time.
 */
export class PostgresCatalog implements GatewayCatalog {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT k.id, k.workspace_id, k.account_id, k.prefix, k.allowed_models, k.spend_limit_nanocredits,
              COALESCE(s.spent_nanocredits, 0) AS spent_nanocredits, k.requests_per_minute, k.tokens_per_minute,
              k.revoked_at, k.admin_test
         FROM gateway_api_keys k LEFT JOIN gateway_api_key_spend s ON s.key_id = k.id
        WHERE k.secret_sha256 = $1`,
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
      adminTest: r.admin_test,
    };
  }

  /** Adds charged amounts to keys' persisted spend (one statement for the batch). */
  async addKeySpend(entries: ReadonlyArray<{ apiKeyId: string; nanocredits: bigint }>): Promise<void> {
    if (entries.length === 0) return;
    await this.pool.query(
      `INSERT INTO gateway_api_key_spend AS k (key_id, spent_nanocredits)
         SELECT id, sum(amount) FROM unnest($1::text[], $2::bigint[]) AS d(id, amount) GROUP BY id
       ON CONFLICT (key_id) DO UPDATE SET spent_nanocredits = k.spent_nanocredits + excluded.spent_nanocredits`,
      [entries.map((e) => e.apiKeyId), entries.map((e) => e.nanocredits.toString())],
    );
  }

  async loadSnapshot(): Promise<CatalogSnapshot> {
    const [providers, aliases, deployments, costs, costFixes, prices, priceFixes] = await Promise.all([
      this.pool.query<{
        id: string;
        name: string;
        kind: 'openai_compatible';
        base_url: string;
        api_key_sealed: string;
        region: string | null;
      }>('SELECT id, name, kind, base_url, api_key_sealed, region FROM gateway_providers'),
      this.pool.query<{
        name: string;
        policy: 'priority' | 'cost';
        default_max_output_tokens: number | null;
        created_at: Date;
        status: AliasStatus;
      }>('SELECT name, policy, default_max_output_tokens, created_at, status FROM gateway_aliases'),
      this.pool.query<{
        id: string;
        alias: string;
        provider_id: string;
        upstream_model: string;
        priority: number;
        weight: number;
      }>(
        'SELECT id, alias, provider_id, upstream_model, priority, weight FROM gateway_deployments ORDER BY alias, ordinal',
      ),
      this.pool.query<
        CostRow & { provider_id: string; upstream_model: string; version: number; effective_at: Date }
      >('SELECT * FROM gateway_cost_profiles'),
      this.pool.query<CostRow & WindowRow & { provider_id: string; upstream_model: string }>(
        'SELECT * FROM gateway_cost_corrections ORDER BY position_commit, position_prepare',
      ),
      this.pool.query<PriceRow & { alias: string; version: number; effective_at: Date }>(
        'SELECT * FROM gateway_sell_prices',
      ),
      this.pool.query<PriceRow & WindowRow & { alias: string }>(
        'SELECT * FROM gateway_price_corrections ORDER BY position_commit, position_prepare',
      ),
    ]);
    const nowMs = this.now();

    const providerMap = new Map<string, ProviderRecord>();
    for (const p of providers.rows)
      providerMap.set(p.id, {
        id: p.id,
        name: p.name,
        kind: p.kind,
        baseUrl: p.base_url,
        apiKey: this.box.open(p.api_key_sealed, providerAad(p.id)),
        region: p.region,
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
        status: a.status,
      });

    const costHistories = new Map<string, History<TokenCost>>();
    for (const c of costs.rows)
      grouped(costHistories, costProfileKey(c.provider_id, c.upstream_model)).versions.push({
        version: c.version,
        effectiveAtMs: c.effective_at.getTime(),
        value: costOfRow(c),
      });
    for (const c of costFixes.rows)
      grouped(costHistories, costProfileKey(c.provider_id, c.upstream_model)).corrections.push(
        windowOf(c, costOfRow(c)),
      );
    const costMap = new Map<string, Versioned<TokenPrices>[]>();
    for (const [key, history] of costHistories)
      costMap.set(
        key,
        versionsInForce(history, nowMs).map((v) => ({ ...v, value: tokenPricesOf(v.value) })),
      );

    const priceHistories = new Map<string, History<SellPriceSpec>>();
    for (const p of prices.rows)
      grouped(priceHistories, p.alias).versions.push({
        version: p.version,
        effectiveAtMs: p.effective_at.getTime(),
        value: priceSpecOfRow(p),
      });
    for (const p of priceFixes.rows)
      grouped(priceHistories, p.alias).corrections.push(windowOf(p, priceSpecOfRow(p)));
    const priceMap = new Map<string, Versioned<SellPrice>[]>();
    for (const [alias, history] of priceHistories)
      priceMap.set(
        alias,
        versionsInForce(history, nowMs).map((v) => ({ ...v, value: sellPriceOf(v.value) })),
      );

    return { providers: providerMap, aliases: aliasMap, sellPrices: priceMap, costProfiles: costMap };
  }
}

/** Associated data that binds a provider's sealed key to that provider. */
export function providerAad(providerId: string): string {
  return `gateway_providers:${providerId}`;
}
