import type { Migration } from '@tollgate/event-store';

export const PAYMENTS_MIGRATION_COMPONENT = 'payments';

/** Tables settlement owns beside the event store: the webhook audit trail and reactor checkpoints. */
export const PAYMENTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'webhook receipts, provider payment refs, reactor checkpoints',
    sql: `
      CREATE TABLE webhook_receipts (
        receipt_id uuid PRIMARY KEY,
        provider text NOT NULL,
        -- The provider's event id; for unverified deliveries only what the body claimed (untrusted).
        event_id text,
        event_type text,
        verified boolean NOT NULL,
        verification_error text,
        outcome text,
        order_id text,
        detail text,
        body_sha256 text NOT NULL,
        deliveries integer NOT NULL DEFAULT 1,
        first_received_at timestamptz NOT NULL,
        last_received_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX webhook_receipts_verified_event ON webhook_receipts (provider, event_id) WHERE verified;
      CREATE INDEX webhook_receipts_order ON webhook_receipts (order_id) WHERE order_id IS NOT NULL;
      CREATE INDEX webhook_receipts_received ON webhook_receipts (first_received_at);

      CREATE TABLE payment_provider_refs (
        provider text NOT NULL,
        provider_payment_id text NOT NULL,
        order_id text NOT NULL,
        PRIMARY KEY (provider, provider_payment_id)
      );

      CREATE TABLE payment_reactor_checkpoints (
        name text PRIMARY KEY,
        position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
