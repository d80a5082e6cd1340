import type { Migration } from '@tollgate/event-store';

export const ALERTS_MIGRATION_COMPONENT = 'alerts';

/**
 * The alerts reactor's own tables: each workspace's settings and crossed thresholds as its events
 * say (for the watcher and the dashboard banner), the webhook deliveries with every attempt, and the
 * reactor's checkpoint in `$all`.
 */
export const ALERTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alert settings, deliveries, attempts, checkpoint',
    sql: `
      CREATE TABLE alert_settings (
        workspace_id text PRIMARY KEY,
        thresholds_nanocredits numeric(40, 0)[] NOT NULL DEFAULT '{}',
        webhook_url text,
        secret_sealed text,
        secret_hint text,
        below_nanocredits numeric(40, 0)[] NOT NULL DEFAULT '{}',
        -- balances.last_position the watcher last acted on; NULL = look again.
        observed_position text,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE alert_deliveries (
        delivery_id uuid PRIMARY KEY,
        workspace_id text NOT NULL,
        event_type text NOT NULL,
        url text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      );
      CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX alert_deliveries_workspace ON alert_deliveries (workspace_id, created_at DESC);

      CREATE TABLE alert_delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES alert_deliveries (delivery_id),
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
        PRIMARY KEY (delivery_id, attempt)
      );

      CREATE TABLE alert_reactor_checkpoints (
        name text PRIMARY KEY,
        position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
