import type { Pool } from 'pg';

/** Who is asking: a customer workspace sees only its own documents, an admin sees all. */
export type InvoiceReader = { kind: 'workspace'; workspaceId: string } | { kind: 'admin' };

export interface InvoiceListItem {
  invoiceId: string;
  workspaceId: string;
  accountId: string;
  orderId: string;
  status: 'draft' | 'finalized' | 'voided';
  number: string | null;
  issueDate: string | null;
  currency: string;
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
  creditedMinor: bigint;
  reverseCharge: boolean;
  buyerName: string;
}

export interface CreditNoteListItem {
  creditNoteId: string;
  invoiceId: string;
  workspaceId: string;
  number: string;
  invoiceNumber: string;
  issueDate: string;
  currency: string;
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
  reason: string | null;
}

const MAX_PAGE = 200;

interface InvoiceRow {
  invoice_id: string;
  workspace_id: string;
  account_id: string;
  order_id: string;
  status: InvoiceListItem['status'];
  invoice_number: string | null;
  issue_date: string | null;
  currency: string;
  net_minor: string;
  tax_minor: string;
  gross_minor: string;
  credited_minor: string;
  reverse_charge: boolean;
  buyer_name: string;
}

const INVOICE_COLUMNS = `invoice_id, workspace_id, account_id, order_id, status, invoice_number,
  to_char(issue_date, 'YYYY-MM-DD') AS issue_date, currency, net_minor, tax_minor, gross_minor, credited_minor,
  reverse_charge, buyer_name`;

function toInvoice(r: InvoiceRow): InvoiceListItem {
  return {
    invoiceId: r.invoice_id,
    workspaceId: r.workspace_id,
    accountId: r.account_id,
    orderId: r.order_id,
    status: r.status,
    number: r.invoice_number,
    issueDate: r.issue_date,
    currency: r.currency,
    netMinor: BigInt(r.net_minor),
    taxMinor: BigInt(r.tax_minor),
    grossMinor: BigInt(r.gross_minor),
    creditedMinor: BigInt(r.credited_minor),
    reverseCharge: r.reverse_charge,
    buyerName: r.buyer_name,
  };
}

function scope(reader: InvoiceReader, params: unknown[]): string {
  if (reader.kind === 'admin') return 'TRUE';
  params.push(reader.workspaceId);
  return `workspace_id = $${params.length}`;
}

/** Finalized and voided invoices (drafts are internal), newest first. */
export async function listInvoices(
  pool: Pool,
  reader: InvoiceReader,
  options: { limit?: number; offset?: number } = {},
): Promise<InvoiceListItem[]> {
  const params: unknown[] = [];
  const where = scope(reader, params);
  params.push(Math.min(Math.max(1, options.limit ?? 50), MAX_PAGE), Math.max(0, options.offset ?? 0));
  const { rows } = await pool.query<InvoiceRow>(
    `SELECT ${INVOICE_COLUMNS} FROM invoices WHERE ${where} AND status <> 'draft'
      ORDER BY issue_date DESC, sequence DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map(toInvoice);
}

/** One invoice if the reader may see it; null otherwise (another workspace's invoice looks absent). */
export async function findInvoice(
  pool: Pool,
  reader: InvoiceReader,
  invoiceId: string,
): Promise<InvoiceListItem | null> {
  const params: unknown[] = [invoiceId];
  const where = scope(reader, params);
  const { rows } = await pool.query<InvoiceRow>(
    `SELECT ${INVOICE_COLUMNS} FROM invoices WHERE invoice_id = $1 AND ${where} AND status <> 'draft'`,
    params,
  );
  return rows.length > 0 ? toInvoice(rows[0]) : null;
}

export async function listCreditNotes(
  pool: Pool,
  reader: InvoiceReader,
  options: { invoiceId?: string; limit?: number } = {},
): Promise<CreditNoteListItem[]> {
  const params: unknown[] = [];
  let where = scope(reader, params);
  if (options.invoiceId) {
    params.push(options.invoiceId);
    where += ` AND invoice_id = $${params.length}`;
  }
  params.push(Math.min(Math.max(1, options.limit ?? 50), MAX_PAGE));
  const { rows } = await pool.query<{
    credit_note_id: string;
    invoice_id: string;
    workspace_id: string;
    credit_note_number: string;
    invoice_number: string;
    issue_date: string;
    currency: string;
    net_minor: string;
    tax_minor: string;
    gross_minor: string;
    reason: string | null;
  }>(
    `SELECT credit_note_id, invoice_id, workspace_id, credit_note_number, invoice_number,
            to_char(issue_date, 'YYYY-MM-DD') AS issue_date, currency, net_minor, tax_minor, gross_minor, reason
       FROM credit_notes WHERE ${where} ORDER BY issued_at DESC, credit_note_number DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    creditNoteId: r.credit_note_id,
    invoiceId: r.invoice_id,
    workspaceId: r.workspace_id,
    number: r.credit_note_number,
    invoiceNumber: r.invoice_number,
    issueDate: r.issue_date,
    currency: r.currency,
    netMinor: BigInt(r.net_minor),
    taxMinor: BigInt(r.tax_minor),
    grossMinor: BigInt(r.gross_minor),
    reason: r.reason,
  }));
}
