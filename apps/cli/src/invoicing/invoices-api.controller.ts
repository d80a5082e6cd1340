import { Controller, Get, HttpException, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  listCreditNotes,
  listInvoices,
  type CreditNoteListItem,
  type InvoiceDownloads,
  type InvoiceListItem,
  type InvoiceReader,
  type PdfDownload,
} from '@tollgate/invoicing';
import { AdminGuard, WorkspaceMemberGuard } from '../../../portal/src/identity';
import { INVOICE_DOWNLOADS, PG_POOL } from '../tokens';

const PageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

function page(query: unknown): z.infer<typeof PageSchema> {
  const r = PageSchema.safeParse(query ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HttpException(
      { error: { code: 'INVALID_QUERY', message: `${issue.path.join('.')}: ${issue.message}` } },
      400,
    );
  }
  return r.data;
}

/** Amounts leave as exact integer strings in minor units; JSON numbers could not hold them safely. */
function invoiceJson(i: InvoiceListItem) {
  return {
    ...i,
    netMinor: i.netMinor.toString(),
    taxMinor: i.taxMinor.toString(),
    grossMinor: i.grossMinor.toString(),
    creditedMinor: i.creditedMinor.toString(),
  };
}

function creditNoteJson(c: CreditNoteListItem) {
  return {
    ...c,
    netMinor: c.netMinor.toString(),
    taxMinor: c.taxMinor.toString(),
    grossMinor: c.grossMinor.toString(),
  };
}

const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'no such document' } };

async function sendPdf(reply: FastifyReply, pdf: PdfDownload | null): Promise<void> {
  if (!pdf) throw new HttpException(NOT_FOUND, 404);
  await reply
    .code(200)
    .header('content-type', pdf.contentType)
    .header('content-disposition', `attachment; filename="${pdf.filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(pdf.body);
}

/** Shared by the customer and admin controllers: only the reader differs. */
class InvoiceDocuments {
  constructor(
    private readonly pool: Pool,
    private readonly downloads: InvoiceDownloads,
  ) {}

  async list(reader: InvoiceReader, query: unknown) {
    const p = page(query);
    const [invoices, creditNotes] = await Promise.all([
      listInvoices(this.pool, reader, p),
      listCreditNotes(this.pool, reader, { limit: p.limit }),
    ]);
    return { invoices: invoices.map(invoiceJson), creditNotes: creditNotes.map(creditNoteJson) };
  }

  invoicePdf(reader: InvoiceReader, invoiceId: string): Promise<PdfDownload | null> {
    return this.downloads.invoicePdf(reader, invoiceId);
  }

  creditNotePdf(reader: InvoiceReader, invoiceId: string, creditNoteId: string): Promise<PdfDownload | null> {
    return this.downloads.creditNotePdf(reader, invoiceId, creditNoteId);
  }
}

/** A workspace's own invoices and credit notes; another workspace's ids answer 404. */
@Controller('api/workspaces/:workspaceId/invoices')
@UseGuards(WorkspaceMemberGuard)
export class CustomerInvoicesController {
  private readonly docs: InvoiceDocuments;

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(INVOICE_DOWNLOADS) downloads: InvoiceDownloads) {
    this.docs = new InvoiceDocuments(pool, downloads);
  }

  @Get()
  list(@Param('workspaceId') workspaceId: string, @Query() query: unknown) {
    return this.docs.list({ kind: 'workspace', workspaceId }, query);
  }

  @Get(':invoiceId/pdf')
  async invoicePdf(
    @Param('workspaceId') workspaceId: string,
    @Param('invoiceId') invoiceId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendPdf(reply, await this.docs.invoicePdf({ kind: 'workspace', workspaceId }, invoiceId));
  }

  @Get(':invoiceId/credit-notes/:creditNoteId/pdf')
  async creditNotePdf(
    @Param('workspaceId') workspaceId: string,
    @Param('invoiceId') invoiceId: string,
    @Param('creditNoteId') creditNoteId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendPdf(
      reply,
      await this.docs.creditNotePdf({ kind: 'workspace', workspaceId }, invoiceId, creditNoteId),
    );
  }
}

/** Every workspace's invoices and credit notes, for operators (admin session or bearer admin token). */
@Controller('admin/api/invoices')
@UseGuards(AdminGuard)
export class AdminInvoicesController {
  private readonly docs: InvoiceDocuments;

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(INVOICE_DOWNLOADS) downloads: InvoiceDownloads) {
    this.docs = new InvoiceDocuments(pool, downloads);
  }

  @Get()
  list(@Query() query: unknown) {
    return this.docs.list({ kind: 'admin' }, query);
  }

  @Get(':invoiceId/pdf')
  async invoicePdf(@Param('invoiceId') invoiceId: string, @Res() reply: FastifyReply): Promise<void> {
    await sendPdf(reply, await this.docs.invoicePdf({ kind: 'admin' }, invoiceId));
  }

  @Get(':invoiceId/credit-notes/:creditNoteId/pdf')
  async creditNotePdf(
    @Param('invoiceId') invoiceId: string,
    @Param('creditNoteId') creditNoteId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendPdf(reply, await this.docs.creditNotePdf({ kind: 'admin' }, invoiceId, creditNoteId));
  }
}
