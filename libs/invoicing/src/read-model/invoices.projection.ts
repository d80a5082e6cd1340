import type { RecordedEvent } from '@tollgate/event-store';
import type { DecodedEvent, Projection, ProjectionContext, SqlStatement } from '@tollgate/projections';
import { decodeInvoiceEvent, type InvoiceEvent } from '../invoice/events';

const HANDLED = new Set<string>(['InvoiceDrafted', 'InvoiceFinalized', 'InvoiceVoided', 'CreditNoteIssued']);

/**
 * Invoices and credit notes for the customer and admin workspaces (lists, downloads). Amounts are
 * bigint minor units. Every row carries workspace_id, the key every customer read is scoped by.
 */
export const invoicesProjection: Projection<InvoiceEvent> = {
  name: 'invoices',
  version: 1,
  tables: [
    {
      base: 'invoices',
      orderBy: 'invoice_id',
      ddl: (t) => [
        `CREATE TABLE ${t('invoices')} (
           invoice_id text PRIMARY KEY,
           workspace_id text NOT NULL,
           account_id text NOT NULL,
           order_id text NOT NULL,
           series_id text NOT NULL,
           status text NOT NULL,
           invoice_number text,
           sequence integer,
           year integer,
           issue_date date,
           currency text NOT NULL,
           net_minor bigint NOT NULL,
           tax_minor bigint NOT NULL,
           gross_minor bigint NOT NULL,
           credited_minor bigint NOT NULL DEFAULT 0,
           reverse_charge boolean NOT NULL,
           buyer_name text NOT NULL,
           buyer_country text NOT NULL,
           buyer_vat_id text,
           drafted_at timestamptz NOT NULL,
           finalized_at timestamptz,
           voided_at timestamptz,
           void_reason text
         )`,
        `CREATE UNIQUE INDEX ${t('invoices')}_number ON ${t('invoices')} (invoice_number)`,
        `CREATE INDEX ${t('invoices')}_workspace ON ${t('invoices')} (workspace_id, issue_date DESC)`,
        `CREATE UNIQUE INDEX ${t('invoices')}_order ON ${t('invoices')} (order_id)`,
      ],
    },
    {
      base: 'credit_notes',
      orderBy: 'credit_note_id',
      ddl: (t) => [
        `CREATE TABLE ${t('credit_notes')} (
           credit_note_id text PRIMARY KEY,
           invoice_id text NOT NULL,
           workspace_id text NOT NULL,
           credit_note_number text NOT NULL UNIQUE,
           invoice_number text NOT NULL,
           refund_id text NOT NULL UNIQUE,
           currency text NOT NULL,
           net_minor bigint NOT NULL,
           tax_minor bigint NOT NULL,
           gross_minor bigint NOT NULL,
           reason text,
           issue_date date NOT NULL,
           issued_at timestamptz NOT NULL
         )`,
        `CREATE INDEX ${t('credit_notes')}_workspace ON ${t('credit_notes')} (workspace_id, issue_date DESC)`,
        `CREATE INDEX ${t('credit_notes')}_invoice ON ${t('credit_notes')} (invoice_id)`,
      ],
    },
  ],
  handles: (type) => HANDLED.has(type),
  eventTypes: [...HANDLED],
  decode: (recorded: RecordedEvent) => decodeInvoiceEvent(recorded.type, recorded.data),
  async projectBatch(events: readonly DecodedEvent<InvoiceEvent>[], ctx: ProjectionContext) {
    return events.flatMap((e) => projectInvoiceEvent(e.event, ctx.t));
  },
};

/** SQL for one invoice event; the runner applies a batch and its checkpoint in one transaction. */
export function projectInvoiceEvent(event: InvoiceEvent, t: (base: string) => string): SqlStatement[] {
  switch (event.type) {
    case 'InvoiceDrafted': {
      const d = event.data;
      return [
        {
          sql: `INSERT INTO ${t('invoices')} (invoice_id, workspace_id, account_id, order_id, series_id, status,
                  currency, net_minor, tax_minor, gross_minor, reverse_charge, buyer_name, buyer_country,
                  buyer_vat_id, drafted_at)
                VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7::bigint, $8::bigint, $9::bigint, $10, $11, $12, $13, $14)`,
          params: [
            d.invoiceId,
            d.workspaceId,
            d.accountId,
            d.orderId,
            d.seriesId,
            d.currency,
            d.tax.netMinor,
            d.tax.taxMinor,
            d.tax.grossMinor,
            d.tax.reverseCharge,
            d.buyer.legalName,
            d.buyer.country,
            d.buyer.vatId,
            d.draftedAt,
          ],
        },
      ];
    }
    case 'InvoiceFinalized': {
      const d = event.data;
      return [
        {
          sql: `UPDATE ${t('invoices')} SET status = 'finalized', invoice_number = $2, sequence = $3, year = $4,
                  issue_date = $5::date, finalized_at = $6 WHERE invoice_id = $1`,
          params: [d.invoiceId, d.number, d.sequence, d.year, d.issueDate, d.finalizedAt],
        },
      ];
    }
    case 'InvoiceVoided': {
      const d = event.data;
      return [
        {
          sql: `UPDATE ${t('invoices')} SET status = 'voided', voided_at = $2, void_reason = $3 WHERE invoice_id = $1`,
          params: [d.invoiceId, d.voidedAt, d.reason],
        },
      ];
    }
    case 'CreditNoteIssued': {
      const d = event.data;
      return [
        {
          sql: `INSERT INTO ${t('credit_notes')} (credit_note_id, invoice_id, workspace_id, credit_note_number,
                  invoice_number, refund_id, currency, net_minor, tax_minor, gross_minor, reason, issue_date, issued_at)
                SELECT $1, i.invoice_id, i.workspace_id, $3, i.invoice_number, $4, $5, $6::bigint, $7::bigint,
                  $8::bigint, $9, $10::date, $11
                  FROM ${t('invoices')} i WHERE i.invoice_id = $2`,
          params: [
            d.creditNoteId,
            d.invoiceId,
            d.number,
            d.refundId,
            d.currency,
            d.netMinor,
            d.taxMinor,
            d.grossMinor,
            d.reason,
            d.issueDate,
            d.issuedAt,
          ],
        },
        {
          sql: `UPDATE ${t('invoices')} SET credited_minor = credited_minor + $2::bigint WHERE invoice_id = $1`,
          params: [d.invoiceId, d.grossMinor],
        },
      ];
    }
    case 'InvoiceNumberRequested':
      return [];
    default: {
      const never: never = event;
      throw new Error(`unknown invoice event ${JSON.stringify(never)}`);
    }
  }
}
