import type { Migration } from '@tollgate/event-store';

export const QUOTA_COUNTERS_COMPONENT = 'gateway_quotas';

/**
 * Shared quota counters: per (scope, metric, window) what all gateway instances have claimed (`used`,
 * never above `limit_value` through a claim) and what was actually consumed (for showing current
 * use). Concurrency slots are also tracked per holder so a crashed instance's slots come back.
 */
export const QUOTA_COUNTERS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'quota counters and concurrency holders',
    sql: `
CREATE TABLE gateway_quota_counters (
  scope text NOT NULL,
  metric text NOT NULL CHECK (metric IN ('requests', 'tokens', 'credits_day', 'credits_month', 'concurrent')),
  window_start_ms bigint NOT NULL,
  window_end_ms bigint NOT NULL,
  limit_value bigint NOT NULL CHECK (limit_value > 0),
  used bigint NOT NULL CHECK (used >= 0),
  last_grant bigint NOT NULL DEFAULT 0,
  consumed bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, metric, window_start_ms)
);
CREATE INDEX gateway_quota_counters_end ON gateway_quota_counters (window_end_ms);

CREATE TABLE gateway_quota_holders (
  scope text NOT NULL,
  metric text NOT NULL,
  holder text NOT NULL,
  slots bigint NOT NULL CHECK (slots >= 0),
  heartbeat_at timestamptz NOT NULL,
  PRIMARY KEY (scope, metric, holder)
);
CREATE INDEX gateway_quota_holders_heartbeat ON gateway_quota_holders (heartbeat_at);
`,
  },
];
