import type { InvoiceService } from '../invoice/invoice-service';
import type { InvoiceReader } from '../read-model/invoice-queries';
import { foldInvoice } from './document';
import type { InvoicePdfs } from './invoice-pdf';

export interface PdfDownload {
  filename: string;
  contentType: 'application/pdf';
  body: Buffer;
}

/**
 * PDF downloads for the portal: rendered on demand from the invoice's events, after checking the
 * reader may see the invoice. Another workspace's invoice, a draft or an unknown id all answer null
 * (the caller maps null to 404, so ids of other tenants are not confirmed to exist).
 */
export class InvoiceDownloads {
  constructor(
    private readonly invoices: InvoiceService,
    private readonly pdfs: InvoicePdfs,
  ) {}

  async invoicePdf(reader: InvoiceReader, invoiceId: string): Promise<PdfDownload | null> {
    const events = await this.visibleEvents(reader, invoiceId);
    if (!events) return null;
    const state = foldInvoice(events);
    return this.download(`${state.finalized?.number}.pdf`, await this.pdfs.invoicePdf(events));
  }

  async creditNotePdf(
    reader: InvoiceReader,
    invoiceId: string,
    creditNoteId: string,
  ): Promise<PdfDownload | null> {
    const events = await this.visibleEvents(reader, invoiceId);
    if (!events) return null;
    const note = foldInvoice(events).creditNotes.find((c) => c.creditNoteId === creditNoteId);
    if (!note) return null;
    return this.download(`${note.number}.pdf`, await this.pdfs.creditNotePdf(events, creditNoteId));
  }

  private async visibleEvents(reader: InvoiceReader, invoiceId: string) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(invoiceId)) return null;
    const events = await this.invoices.readEvents(invoiceId);
    const state = foldInvoice(events);
    if (!state.drafted || !state.finalized) return null;
    if (reader.kind === 'workspace' && state.drafted.workspaceId !== reader.workspaceId) return null;
    return events;
  }

  private download(filename: string, body: Buffer): PdfDownload {
    return { filename: filename.replace(/[^A-Za-z0-9._-]/g, '_'), contentType: 'application/pdf', body };
  }
}
