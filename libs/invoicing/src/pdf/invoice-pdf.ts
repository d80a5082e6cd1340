import type { InvoiceEvent } from '../invoice/events';
import { creditNoteDocument, invoiceDocument } from './document';
import type { PdfRenderer } from './pdf-renderer';
import type { InvoiceTemplates } from './templates';

/**
 * Renders on demand from the invoice's events: nothing is stored, and the same events always give the
 * same content (Chromium stamps a creation date into the file, so bytes differ, text does not).
 */
export class InvoicePdfs {
  constructor(
    private readonly templates: InvoiceTemplates,
    private readonly renderer: PdfRenderer,
  ) {}

  invoiceHtml(events: readonly InvoiceEvent[]): string {
    return this.templates.renderInvoice(invoiceDocument(events));
  }

  creditNoteHtml(events: readonly InvoiceEvent[], creditNoteId: string): string {
    return this.templates.renderCreditNote(creditNoteDocument(events, creditNoteId));
  }

  invoicePdf(events: readonly InvoiceEvent[]): Promise<Buffer> {
    return this.renderer.render(this.invoiceHtml(events));
  }

  creditNotePdf(events: readonly InvoiceEvent[], creditNoteId: string): Promise<Buffer> {
    return this.renderer.render(this.creditNoteHtml(events, creditNoteId));
  }
}
