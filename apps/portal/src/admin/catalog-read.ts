import type { Pool } from 'pg';
import { costProfileKey, versionAt, type SellPrice, type Versioned } from '@tollgate/gateway-core';
import type { TokenPrices } from '@tollgate/money';
import { referenceMargin, type ReferenceMargin } from './margin';

const MAX_ROWS = 1000;

export interface ProviderView {
  id: string;
  name: string;
  kind: string;
  baseUrl: string;
  /** Whether an upstream key is stored; the key itself is never read here. */
  keySet: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface CostProfileVersion {
  providerId: string;
  upstreamModel: string;
  version: number;
  effectiveAt: Date;
  prices: TokenPrices;
}

export interface SellPriceVersion {
  alias: string;
  version: number;
  effectiveAt: Date;
  price: SellPrice;
}

export interface DeploymentView {
  id: string;
  providerId: string;
  upstreamModel: string;
  priority: number;
  weight: number;
}

export interface AliasView {
  name: string;
  policy: 'priority' | 'cost';
  defaultMaxOutputTokens: number | null;
  /** Lifecycle status when the catalog records one (draft, in_review, open, paused, retired). */
  status: string | null;
  deployments: DeploymentView[];
}

export interface MarginLine {
  alias: string;
  deploymentId: string;
  providerId: string;
  upstreamModel: string;
  costVersion: number | null;
  priceVersion: number | null;
  margin: ReferenceMargin | null;
}

/**
 * Reads of the gateway catalog for the admin pages, from the catalog tables the gateway serves from.
 * Only public columns: the sealed upstream key is only tested for presence, never selected.
 */
export class AdminCatalogReads {
  constructor(private readonly pool: Pool) {}

  async providers(): Promise<ProviderView[]> {
    const { rows } = await this.pool.query<{
      id: string;
      name: string;
      kind: string;
      base_url: string;
      key_set: boolean;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT id, name, kind, base_url, (api_key_sealed IS NOT NULL AND api_key_sealed <> '') AS key_set,
              created_at, updated_at
         FROM gateway_providers ORDER BY name, id LIMIT ${MAX_ROWS}`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      baseUrl: r.base_url,
      keySet: r.key_set,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async provider(id: string): Promise<ProviderView | null> {
    return (await this.providers()).find((p) => p.id === id) ?? null;
  }

  /** Every version, newest first per (provider, model). */
  async costProfiles(): Promise<CostProfileVersion[]> {
    const { rows } = await this.pool.query<{
      provider_id: string;
      upstream_model: string;
      version: number;
      effective_at: Date;
      input_per_million: string;
      cached_input_per_million: string | null;
      output_per_million: string;
    }>(
      `SELECT provider_id, upstream_model, version, effective_at, input_per_million, cached_input_per_million,
              output_per_million
         FROM gateway_cost_profiles ORDER BY provider_id, upstream_model, effective_at DESC, version DESC
        LIMIT ${MAX_ROWS}`,
    );
    return rows.map((r) => ({
      providerId: r.provider_id,
      upstreamModel: r.upstream_model,
      version: r.version,
      effectiveAt: r.effective_at,
      prices: {
        inputPerMillion: r.input_per_million,
        ...(r.cached_input_per_million !== null ? { cachedInputPerMillion: r.cached_input_per_million } : {}),
        outputPerMillion: r.output_per_million,
      },
    }));
  }

  /** Every version, newest first per alias. */
  async sellPrices(): Promise<SellPriceVersion[]> {
    const { rows } = await this.pool.query<{
      alias: string;
      version: number;
      effective_at: Date;
      kind: 'markup' | 'per_million';
      markup_percent: string | null;
      input_per_million: string | null;
      cached_input_per_million: string | null;
      output_per_million: string | null;
    }>(
      `SELECT alias, version, effective_at, kind, markup_percent, input_per_million, cached_input_per_million,
              output_per_million
         FROM gateway_sell_prices ORDER BY alias, effective_at DESC, version DESC LIMIT ${MAX_ROWS}`,
    );
    return rows.map((r) => ({
      alias: r.alias,
      version: r.version,
      effectiveAt: r.effective_at,
      price:
        r.kind === 'markup'
          ? { kind: 'markup', markupPercent: r.markup_percent ?? '0' }
          : {
              kind: 'per_million',
              prices: {
                inputPerMillion: r.input_per_million ?? '0',
                ...(r.cached_input_per_million !== null
                  ? { cachedInputPerMillion: r.cached_input_per_million }
                  : {}),
                outputPerMillion: r.output_per_million ?? '0',
              },
            },
    }));
  }

  async aliases(): Promise<AliasView[]> {
    const [aliases, deployments, hasStatus] = await Promise.all([
      this.pool.query<{
        name: string;
        policy: 'priority' | 'cost';
        default_max_output_tokens: number | null;
      }>(
        `SELECT name, policy, default_max_output_tokens FROM gateway_aliases ORDER BY name LIMIT ${MAX_ROWS}`,
      ),
      this.pool.query<{
        id: string;
        alias: string;
        provider_id: string;
        upstream_model: string;
        priority: number;
        weight: number;
      }>(
        `SELECT id, alias, provider_id, upstream_model, priority, weight FROM gateway_deployments
          ORDER BY alias, priority, id LIMIT ${MAX_ROWS * 16}`,
      ),
      this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.columns
          WHERE table_name = 'gateway_aliases' AND column_name = 'status' AND table_schema = current_schema()`,
      ),
    ]);
    // The lifecycle status column arrives with the event-sourced catalog; older schemas have none.
    const statuses = new Map<string, string>();
    if (hasStatus.rows[0].n > 0) {
      const { rows } = await this.pool.query<{ name: string; status: string }>(
        `SELECT name, status FROM gateway_aliases LIMIT ${MAX_ROWS}`,
      );
      for (const r of rows) statuses.set(r.name, r.status);
    }
    return aliases.rows.map((a) => ({
      name: a.name,
      policy: a.policy,
      defaultMaxOutputTokens: a.default_max_output_tokens,
      status: statuses.get(a.name) ?? null,
      deployments: deployments.rows
        .filter((d) => d.alias === a.name)
        .map((d) => ({
          id: d.id,
          providerId: d.provider_id,
          upstreamModel: d.upstream_model,
          priority: d.priority,
          weight: d.weight,
        })),
    }));
  }

  /** Per alias and deployment: the margin of the prices in force now, on the reference mix. */
  async margins(now: Date = new Date()): Promise<MarginLine[]> {
    const [aliases, costs, prices] = await Promise.all([
      this.aliases(),
      this.costProfiles(),
      this.sellPrices(),
    ]);
    const costVersions = new Map<string, Versioned<TokenPrices>[]>();
    for (const c of costs) {
      const key = costProfileKey(c.providerId, c.upstreamModel);
      const list = costVersions.get(key) ?? [];
      list.push({ version: c.version, effectiveAtMs: c.effectiveAt.getTime(), value: c.prices });
      costVersions.set(key, list);
    }
    const priceVersions = new Map<string, Versioned<SellPrice>[]>();
    for (const p of prices) {
      const list = priceVersions.get(p.alias) ?? [];
      list.push({ version: p.version, effectiveAtMs: p.effectiveAt.getTime(), value: p.price });
      priceVersions.set(p.alias, list);
    }
    const at = now.getTime();
    return aliases.flatMap((a) => {
      const sell = versionAt(priceVersions.get(a.name), at);
      return a.deployments.map((d) => {
        const cost = versionAt(costVersions.get(costProfileKey(d.providerId, d.upstreamModel)), at);
        return {
          alias: a.name,
          deploymentId: d.id,
          providerId: d.providerId,
          upstreamModel: d.upstreamModel,
          costVersion: cost?.version ?? null,
          priceVersion: sell?.version ?? null,
          margin: referenceMargin(cost?.value ?? null, sell?.value ?? null),
        };
      });
    });
  }
}
