import type { Pool } from 'pg';
import type { RecordedEvent } from '@tollgate/event-store';
import type { DecodedEvent, Projection, ProjectionContext, SqlStatement } from '@tollgate/projections';
import {
  parsePaymentEvent,
  PAYMENT_EVENT_SCHEMAS,
  PAYMENT_STREAM_PREFIX,
  type PaymentEvent,
} from '../orders/events';

const TYPES = new Set(Object.keys(PAYMENT_EVENT_SCHEMAS));

/**
 * `payment_orders`: one row per order for the customer's and the admin's lists. The order stream stays
 * the source of truth for details (frozen quote, refunds); this table only answers "which orders".
 */
export const paymentOrdersProjection: Projection<PaymentEvent> = {
  name: 'payment_orders',
  version: 1,
  tables: [
    {
      base: 'payment_orders',
      orderBy: 'order_id',
      ddl: (t) => [
        `CREATE TABLE ${t('payment_orders')} (
           order_id text PRIMARY KEY,
           workspace_id text NOT NULL,
           account_id text NOT NULL,
           package_id text NOT NULL,
           package_name text NOT NULL,
           provider text NOT NULL,
           status text NOT NULL,
           currency text NOT NULL,
           net_minor bigint NOT NULL,
           tax_minor bigint NOT NULL,
           gross_minor bigint NOT NULL,
           credits_nanocredits numeric(40, 0) NOT NULL,
           refunded_minor bigint NOT NULL DEFAULT 0,
           refunded_nanocredits numeric(40, 0) NOT NULL DEFAULT 0,
           flagged_for_review boolean NOT NULL DEFAULT false,
           created_at timestamptz NOT NULL,
           updated_at timestamptz NOT NULL
         )`,
        `CREATE INDEX ${t('payment_orders')}_workspace ON ${t('payment_orders')} (workspace_id, created_at DESC)`,
        `CREATE INDEX ${t('payment_orders')}_status ON ${t('payment_orders')} (status, created_at DESC)`,
      ],
    },
  ],
  handles: (type) => TYPES.has(type),
  eventTypes: [...TYPES],
  decode: (recorded: RecordedEvent) =>
    recorded.streamId.startsWith(PAYMENT_STREAM_PREFIX)
      ? parsePaymentEvent(recorded.type, recorded.data)
      : null,
  projectBatch(
    events: readonly DecodedEvent<PaymentEvent>[],
    ctx: ProjectionContext,
  ): Promise<SqlStatement[]> {
    const t = ctx.t('payment_orders');
    const out: SqlStatement[] = [];
    for (const { event, recorded } of events) {
      const at = recorded.recordedAt;
      const setStatus = (status: string): SqlStatement => ({
        sql: `UPDATE ${t} SET status = $2, updated_at = $3 WHERE order_id = $1`,
        params: [event.data.orderId, status, at],
      });
      switch (event.type) {
        case 'PaymentOrderCreated': {
          const d = event.data;
          out.push({
            sql: `INSERT INTO ${t} (order_id, workspace_id, account_id, package_id, package_name, provider, status,
                    currency, net_minor, tax_minor, gross_minor, credits_nanocredits, created_at, updated_at)
                  VALUES ($1, $2, $3, $4, $5, $6, 'created', $7, $8, $9, $10, $11, $12, $12)
                  ON CONFLICT (order_id) DO NOTHING`,
            params: [
              d.orderId,
              d.workspaceId,
              d.accountId,
              d.package.packageId,
              d.package.name,
              d.provider,
              d.tax.currency,
              d.tax.netMinor,
              d.tax.taxMinor,
              d.tax.grossMinor,
              d.creditsNanocredits,
              new Date(d.createdAt),
            ],
          });
          break;
        }
        case 'CheckoutSessionOpened':
          out.push(setStatus('checkout_open'));
          break;
        case 'PaymentConfirmed':
          out.push(setStatus('confirmed'));
          break;
        case 'ManualPaymentApproved':
          break;
        case 'ManualPaymentRejected':
          out.push(setStatus('rejected'));
          break;
        case 'PaymentFailed':
          out.push(setStatus('failed'));
          break;
        case 'CheckoutExpired':
          out.push(setStatus('expired'));
          break;
        case 'PaymentOrderCancelled':
          out.push(setStatus('cancelled'));
          break;
        case 'OrderFlaggedForReview':
          out.push({
            sql: `UPDATE ${t} SET flagged_for_review = true, updated_at = $2 WHERE order_id = $1`,
            params: [event.data.orderId, at],
          });
          break;
        case 'RefundRequested':
        case 'RefundFailed':
          break;
        case 'PaymentRefunded':
          out.push({
            sql: `UPDATE ${t} SET refunded_minor = refunded_minor + $2, updated_at = $3,
                    refunded_nanocredits = refunded_nanocredits + $4,
                    status = CASE WHEN refunded_nanocredits + $4 >= credits_nanocredits THEN 'refunded' ELSE status END
                  WHERE order_id = $1`,
            params: [event.data.orderId, event.data.amountMinor, at, event.data.creditsNanocredits],
          });
          break;
        default: {
          const never: never = event;
          throw new Error(`unknown payment event ${(never as { type: string }).type}`);
        }
      }
    }
    return Promise.resolve(out);
  },
};

export interface OrderListRow {
  orderId: string;
  workspaceId: string;
  packageId: string;
  packageName: string;
  provider: string;
  status: string;
  currency: string;
  netMinor: string;
  taxMinor: string;
  grossMinor: string;
  creditsNanocredits: string;
  refundedMinor: string;
  flaggedForReview: boolean;
  createdAt: string;
}

export const MAX_ORDER_LIST = 200;

/** Reads the live `payment_orders` view; scoped by workspace unless the caller is an admin. */
export async function listOrders(
  pool: Pool,
  filter: { workspaceId?: string; status?: string; provider?: string; flagged?: boolean; limit?: number },
): Promise<OrderListRow[]> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), MAX_ORDER_LIST);
  const { rows } = await pool.query(
    `SELECT order_id, workspace_id, package_id, package_name, provider, status, currency, net_minor::text,
            tax_minor::text, gross_minor::text, credits_nanocredits::text, refunded_minor::text, flagged_for_review,
            created_at
     FROM payment_orders
     WHERE ($1::text IS NULL OR workspace_id = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR provider = $3) AND ($4::boolean IS NULL OR flagged_for_review = $4)
     ORDER BY created_at DESC, order_id LIMIT $5`,
    [
      filter.workspaceId ?? null,
      filter.status ?? null,
      filter.provider ?? null,
      filter.flagged ?? null,
      limit,
    ],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    workspaceId: r.workspace_id,
    packageId: r.package_id,
    packageName: r.package_name,
    provider: r.provider,
    status: r.status,
    currency: r.currency,
    netMinor: r.net_minor,
    taxMinor: r.tax_minor,
    grossMinor: r.gross_minor,
    creditsNanocredits: r.credits_nanocredits,
    refundedMinor: r.refunded_minor,
    flaggedForReview: r.flagged_for_review,
    createdAt: (r.created_at as Date).toISOString(),
  }));
}
