import type { Migration } from '@tollgate/event-store';

/**
 * The gateway's own tables. Version 1 held the catalog as plain tables; since version 2 the catalog is
 * the `gateway_catalog` projection of the catalog events (catalog.projection.ts) and only the per-key
 * spend counter lives here.
 */
export const GATEWAY_CATALOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api keys, providers, aliases, deployments, cost profiles, sell prices',
    sql: `
CREATE TABLE gateway_api_keys (
  id text PRIMARY KEY,
  workspace_id text NOT NULL,
  account_id text NOT NULL,
  name text NOT NULL,
  prefix text NOT NULL,
  secret_sha256 text NOT NULL UNIQUE,
  allowed_models text[],
  spend_limit_nanocredits bigint CHECK (spend_limit_nanocredits >= 0),
  spent_nanocredits bigint NOT NULL DEFAULT 0,
  requests_per_minute integer CHECK (requests_per_minute > 0),
  tokens_per_minute integer CHECK (tokens_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX gateway_api_keys_workspace ON gateway_api_keys (workspace_id, created_at);

CREATE TABLE gateway_providers (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('openai_compatible')),
  base_url text NOT NULL,
  api_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway_aliases (
  name text PRIMARY KEY,
  policy text NOT NULL CHECK (policy IN ('priority', 'cost')),
  default_max_output_tokens integer CHECK (default_max_output_tokens > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway_deployments (
  id text PRIMARY KEY,
  alias text NOT NULL REFERENCES gateway_aliases (name) ON DELETE CASCADE,
  provider_id text NOT NULL REFERENCES gateway_providers (id),
  upstream_model text NOT NULL,
  priority integer NOT NULL,
  weight integer NOT NULL CHECK (weight >= 0),
  UNIQUE (alias, provider_id, upstream_model)
);

CREATE TABLE gateway_cost_profiles (
  provider_id text NOT NULL REFERENCES gateway_providers (id),
  upstream_model text NOT NULL,
  version integer NOT NULL,
  effective_at timestamptz NOT NULL,
  input_per_million text NOT NULL,
  cached_input_per_million text,
  output_per_million text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider_id, upstream_model, version)
);

CREATE TABLE gateway_sell_prices (
  alias text NOT NULL,
  version integer NOT NULL,
  effective_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('markup', 'per_million')),
  markup_percent text,
  input_per_million text,
  cached_input_per_million text,
  output_per_million text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alias, version),
  CHECK ((kind = 'markup') = (markup_percent IS NOT NULL)),
  CHECK ((kind = 'per_million') = (input_per_million IS NOT NULL AND output_per_million IS NOT NULL))
);
`,
  },
  {
    version: 2,
    name: 'catalog tables become the gateway_catalog projection; key spend stays a plain table',
    // The catalog is event-sourced now: its tables are rebuilt from events (views of the same names),
    // only the spend counter the hot path updates remains here. Dropped only while they are tables.
    sql: `
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['gateway_deployments', 'gateway_cost_profiles', 'gateway_sell_prices', 'gateway_aliases',
                            'gateway_api_keys', 'gateway_providers'] LOOP
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relname = t AND n.nspname = current_schema() AND c.relkind = 'r') THEN
      EXECUTE format('DROP TABLE %I CASCADE', t);
    END IF;
  END LOOP;
END $$;
CREATE TABLE IF NOT EXISTS gateway_api_key_spend (
  key_id text PRIMARY KEY,
  spent_nanocredits bigint NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 3,
    name: 'Idempotency-Key of admin API key creation (a retry must not create a second key)',
    // key_id is null while the creation runs; rows older than 24 h are purged as requests come.
    sql: `
CREATE TABLE IF NOT EXISTS gateway_api_key_idempotency (
  idempotency_key text PRIMARY KEY,
  request_sha256 text NOT NULL,
  workspace_id text NOT NULL,
  key_id text,
  key_prefix text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS gateway_api_key_idempotency_created ON gateway_api_key_idempotency (created_at);
`,
  },
];

export const GATEWAY_CATALOG_COMPONENT = 'gateway-catalog';
