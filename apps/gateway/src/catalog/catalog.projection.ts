import type { AnyProjection, DecodedEvent, SqlStatement, TableNamer } from '@tollgate/projections';
import type { RecordedEvent } from '@tollgate/event-store';
import { parseCatalogEvent, type CatalogEvent, type TokenCost, type SellPriceSpec } from '@tollgate/catalog';

/** Catalog events this read model is built from (workspace rules have read models of their own). */
const PROJECTED = new Set<CatalogEvent['type']>([
  'ProviderRegistered',
  'ProviderUpdated',
  'ProviderKeyRotated',
  'CostProfileSet',
  'CostProfileCorrected',
  'SellPriceSet',
  'PriceCorrected',
  'AliasDefined',
  'AliasRoutingChanged',
  'AliasStatusChanged',
  'AliasMarginFlagged',
  'ApiKeyCreated',
  'ApiKeyLimitsChanged',
  'ApiKeyRevoked',
]);

export const CATALOG_PROJECTION_NAME = 'gateway_catalog';

function costColumns(c: TokenCost): [string, string | null, string] {
  return [c.inputPerMillion, c.cachedInputPerMillion, c.outputPerMillion];
}

function priceColumns(
  p: SellPriceSpec,
): [string, string | null, string | null, string | null, string | null] {
  return p.kind === 'markup'
    ? ['markup', p.markupPercent, null, null, null]
    : ['per_million', null, p.inputPerMillion, p.cachedInputPerMillion, p.outputPerMillion];
}

/** Global order as two numbers (the latest applied correction wins, so order matters). */
function positionParams(r: RecordedEvent): [string, string] {
  return [r.position.commit.toString(), r.position.prepare.toString()];
}

function statementsFor(e: CatalogEvent, r: RecordedEvent, t: TableNamer): SqlStatement[] {
  switch (e.type) {
    case 'ProviderRegistered': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_providers')} (id, name, kind, base_url, api_key_sealed, region, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING`,
          params: [d.providerId, d.name, d.kind, d.baseUrl, d.apiKeySealed, d.region, d.at],
        },
      ];
    }
    case 'ProviderUpdated': {
      const d = e.data;
      return [
        {
          sql: `UPDATE ${t('gateway_providers')} SET name = $2, base_url = $3, region = $4, updated_at = $5 WHERE id = $1`,
          params: [d.providerId, d.name, d.baseUrl, d.region, d.at],
        },
      ];
    }
    case 'ProviderKeyRotated': {
      const d = e.data;
      return [
        {
          sql: `UPDATE ${t('gateway_providers')} SET api_key_sealed = $2, updated_at = $3 WHERE id = $1`,
          params: [d.providerId, d.apiKeySealed, d.at],
        },
      ];
    }
    case 'CostProfileSet': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_cost_profiles')} (provider_id, upstream_model, version, effective_at,
                  input_per_million, cached_input_per_million, output_per_million, actor, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
          params: [
            d.providerId,
            d.upstreamModel,
            d.version,
            d.effectiveAt,
            ...costColumns(d.cost),
            d.actor,
            d.at,
          ],
        },
      ];
    }
    case 'CostProfileCorrected': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_cost_corrections')} (correction_id, provider_id, upstream_model, from_at, to_at,
                  input_per_million, cached_input_per_million, output_per_million, reason, actor, created_at,
                  position_commit, position_prepare, rerate)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
          params: [
            d.correctionId,
            d.providerId,
            d.upstreamModel,
            d.from,
            d.to,
            ...costColumns(d.cost),
            d.reason,
            d.actor,
            d.at,
            ...positionParams(r),
            d.rerate,
          ],
        },
      ];
    }
    case 'SellPriceSet': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_sell_prices')} (alias, version, effective_at, kind, markup_percent,
                  input_per_million, cached_input_per_million, output_per_million, actor, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
          params: [d.alias, d.version, d.effectiveAt, ...priceColumns(d.price), d.actor, d.at],
        },
      ];
    }
    case 'PriceCorrected': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_price_corrections')} (correction_id, alias, from_at, to_at, kind, markup_percent,
                  input_per_million, cached_input_per_million, output_per_million, reason, actor, created_at,
                  position_commit, position_prepare, rerate)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
          params: [
            d.correctionId,
            d.alias,
            d.from,
            d.to,
            ...priceColumns(d.price),
            d.reason,
            d.actor,
            d.at,
            ...positionParams(r),
            d.rerate,
          ],
        },
      ];
    }
    case 'AliasDefined':
    case 'AliasRoutingChanged': {
      const d = e.data;
      const head: SqlStatement =
        e.type === 'AliasDefined'
          ? {
              sql: `INSERT INTO ${t('gateway_aliases')} (name, policy, default_max_output_tokens, status, created_at, updated_at)
                    VALUES ($1, $2, $3, 'draft', $4, $4) ON CONFLICT (name) DO NOTHING`,
              params: [d.alias, d.policy, d.defaultMaxOutputTokens, d.at],
            }
          : {
              sql: `UPDATE ${t('gateway_aliases')} SET policy = $2, default_max_output_tokens = $3, updated_at = $4 WHERE name = $1`,
              params: [d.alias, d.policy, d.defaultMaxOutputTokens, d.at],
            };
      return [
        head,
        { sql: `DELETE FROM ${t('gateway_deployments')} WHERE alias = $1`, params: [d.alias] },
        ...d.deployments.map((dep, i) => ({
          sql: `INSERT INTO ${t('gateway_deployments')} (id, alias, provider_id, upstream_model, priority, weight, ordinal)
                VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          params: [dep.deploymentId, d.alias, dep.providerId, dep.upstreamModel, dep.priority, dep.weight, i],
        })),
      ];
    }
    case 'AliasStatusChanged': {
      const d = e.data;
      return [
        {
          sql: `UPDATE ${t('gateway_aliases')} SET status = $2, updated_at = $3 WHERE name = $1`,
          params: [d.alias, d.to, d.at],
        },
        {
          sql: `INSERT INTO ${t('gateway_alias_history')} (alias, revision, kind, from_status, to_status, reason, review, actor, at)
                VALUES ($1, $2, 'status', $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          params: [
            d.alias,
            r.revision.toString(),
            d.from,
            d.to,
            d.reason,
            JSON.stringify(d.review),
            d.actor,
            d.at,
          ],
        },
      ];
    }
    case 'AliasMarginFlagged': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_alias_history')} (alias, revision, kind, from_status, to_status, reason, review, actor, at)
                VALUES ($1, $2, 'margin_flagged', NULL, NULL, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          params: [
            d.alias,
            r.revision.toString(),
            `margin below ${d.thresholdPercent}%${d.paused ? ' (paused)' : ''}`,
            JSON.stringify({ thresholdPercent: d.thresholdPercent, lines: d.lines, paused: d.paused }),
            d.actor,
            d.at,
          ],
        },
      ];
    }
    case 'ApiKeyCreated': {
      const d = e.data;
      return [
        {
          sql: `INSERT INTO ${t('gateway_api_keys')} (id, workspace_id, account_id, name, prefix, secret_sha256, allowed_models,
                  spend_limit_nanocredits, requests_per_minute, tokens_per_minute, admin_test, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
          params: [
            d.keyId,
            d.workspaceId,
            d.accountId,
            d.name,
            d.prefix,
            d.secretSha256,
            d.allowedModels,
            d.spendLimitNanocredits,
            d.requestsPerMinute,
            d.tokensPerMinute,
            d.adminTest === true,
            d.at,
          ],
        },
      ];
    }
    case 'ApiKeyLimitsChanged': {
      const d = e.data;
      return [
        {
          sql: `UPDATE ${t('gateway_api_keys')} SET allowed_models = $2, spend_limit_nanocredits = $3,
                  requests_per_minute = $4, tokens_per_minute = $5 WHERE id = $1`,
          params: [d.keyId, d.allowedModels, d.spendLimitNanocredits, d.requestsPerMinute, d.tokensPerMinute],
        },
      ];
    }
    case 'ApiKeyRevoked': {
      const d = e.data;
      return [
        {
          sql: `UPDATE ${t('gateway_api_keys')} SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`,
          params: [d.keyId, d.at],
        },
      ];
    }
    case 'WorkspacePolicySet':
    case 'WorkspaceQuotasSet':
    case 'LowBalanceAlertsSet':
      return [];
    default: {
      const never: never = e;
      throw new Error(`unknown catalog event ${JSON.stringify(never)}`);
    }
  }
}

const costColumnsDdl = `input_per_million text NOT NULL, cached_input_per_million text, output_per_million text NOT NULL`;
const priceColumnsDdl = `kind text NOT NULL CHECK (kind IN ('markup', 'per_million')), markup_percent text,
  input_per_million text, cached_input_per_million text, output_per_million text`;

/**
 * The gateway's catalog tables, built from the catalog events (rebuildable; the readers use the views
 * `gateway_providers`, `gateway_aliases`, ...). No foreign keys: the events were checked when decided,
 * and a projection must never stop on an ordering its constraints dislike. Timestamps come from the
 * events, so a rebuild gives identical rows. Key spend is NOT here (the hot path updates it:
 * `gateway_api_key_spend`, a plain table).
 */
export const catalogProjection: AnyProjection = {
  name: CATALOG_PROJECTION_NAME,
  version: 1,
  tables: [
    {
      base: 'gateway_providers',
      orderBy: 'id',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_providers')} (
           id text PRIMARY KEY, name text NOT NULL, kind text NOT NULL, base_url text NOT NULL,
           api_key_sealed text NOT NULL, region text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
      ],
    },
    {
      base: 'gateway_aliases',
      orderBy: 'name',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_aliases')} (
           name text PRIMARY KEY, policy text NOT NULL, default_max_output_tokens integer, status text NOT NULL,
           created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
      ],
    },
    {
      base: 'gateway_deployments',
      orderBy: 'alias, ordinal',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_deployments')} (
           id text NOT NULL, alias text NOT NULL, provider_id text NOT NULL, upstream_model text NOT NULL,
           priority integer NOT NULL, weight integer NOT NULL, ordinal integer NOT NULL, PRIMARY KEY (alias, id))`,
      ],
    },
    {
      base: 'gateway_cost_profiles',
      orderBy: 'provider_id, upstream_model, version',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_cost_profiles')} (
           provider_id text NOT NULL, upstream_model text NOT NULL, version integer NOT NULL,
           effective_at timestamptz NOT NULL, ${costColumnsDdl}, actor text NOT NULL, created_at timestamptz NOT NULL,
           PRIMARY KEY (provider_id, upstream_model, version))`,
      ],
    },
    {
      base: 'gateway_cost_corrections',
      orderBy: 'correction_id',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_cost_corrections')} (
           correction_id text PRIMARY KEY, provider_id text NOT NULL, upstream_model text NOT NULL,
           from_at timestamptz NOT NULL, to_at timestamptz, ${costColumnsDdl}, reason text NOT NULL,
           actor text NOT NULL, created_at timestamptz NOT NULL, position_commit numeric NOT NULL,
           position_prepare numeric NOT NULL, rerate boolean NOT NULL)`,
      ],
    },
    {
      base: 'gateway_sell_prices',
      orderBy: 'alias, version',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_sell_prices')} (
           alias text NOT NULL, version integer NOT NULL, effective_at timestamptz NOT NULL, ${priceColumnsDdl},
           actor text NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (alias, version))`,
      ],
    },
    {
      base: 'gateway_price_corrections',
      orderBy: 'correction_id',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_price_corrections')} (
           correction_id text PRIMARY KEY, alias text NOT NULL, from_at timestamptz NOT NULL, to_at timestamptz,
           ${priceColumnsDdl}, reason text NOT NULL, actor text NOT NULL, created_at timestamptz NOT NULL,
           position_commit numeric NOT NULL, position_prepare numeric NOT NULL, rerate boolean NOT NULL)`,
      ],
    },
    {
      base: 'gateway_alias_history',
      orderBy: 'alias, revision',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_alias_history')} (
           alias text NOT NULL, revision bigint NOT NULL, kind text NOT NULL, from_status text, to_status text,
           reason text NOT NULL, review jsonb, actor text NOT NULL, at timestamptz NOT NULL,
           PRIMARY KEY (alias, revision))`,
      ],
    },
    {
      base: 'gateway_api_keys',
      orderBy: 'id',
      ddl: (t) => [
        `CREATE TABLE ${t('gateway_api_keys')} (
           id text PRIMARY KEY, workspace_id text NOT NULL, account_id text NOT NULL, name text NOT NULL,
           prefix text NOT NULL, secret_sha256 text NOT NULL, allowed_models text[], spend_limit_nanocredits bigint,
           requests_per_minute integer, tokens_per_minute integer, admin_test boolean NOT NULL,
           created_at timestamptz NOT NULL, revoked_at timestamptz)`,
      ],
      indexes: (t) => [
        `CREATE INDEX ${t('gateway_api_keys')}_hash ON ${t('gateway_api_keys')} (secret_sha256)`,
        `CREATE INDEX ${t('gateway_api_keys')}_ws ON ${t('gateway_api_keys')} (workspace_id, created_at)`,
      ],
    },
  ],
  handles: (type) => PROJECTED.has(type as CatalogEvent['type']),
  eventTypes: [...PROJECTED],
  decode: (event) => parseCatalogEvent(event.type, event.data),
  async projectBatch(events: readonly DecodedEvent<CatalogEvent>[], ctx) {
    const out: SqlStatement[] = [];
    for (const { event, recorded } of events) out.push(...statementsFor(event, recorded, ctx.t));
    return out;
  },
};
