import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { DEMO_SELLER, demoOrder } from '../demo/demo-data';
import { creditNoteIdForRefund, invoiceIdForOrder, InvoiceService } from '../invoice/invoice-service';
import { InvoicingReactor } from '../reactor/invoicing.reactor';
import { InvoiceDownloads } from './downloads';
import { InvoicePdfs } from './invoice-pdf';
import { PdfRenderer } from './pdf-renderer';
import { InvoiceTemplates } from './templates';

function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8', timeout: 10_000 });
}

describe('invoice PDF downloads', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let renderer: PdfRenderer;
  let downloads: InvoiceDownloads;
  const own = { kind: 'workspace', workspaceId: 'ws-own' } as const;
  const other = { kind: 'workspace', workspaceId: 'ws-other' } as const;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 4 });
    await store.migrate();
    const service = new InvoiceService({
      store,
      seller: DEMO_SELLER,
      clock: () => new Date('2026-06-01T10:00:00Z'),
    });
    renderer = new PdfRenderer({ maxConcurrentRenders: 2 });
    downloads = new InvoiceDownloads(
      service,
      new InvoicePdfs(new InvoiceTemplates({ dir: '/nonexistent' }), renderer),
    );
    const reactor = new InvoicingReactor(service, () => null);
    await reactor.onOrderConfirmed({ ...demoOrder({ orderId: 'o-own' }), workspaceId: 'ws-own' });
    await reactor.onOrderRefunded({
      orderId: 'o-own',
      refundId: 'rf-own',
      grossMinor: '1190',
      reason: null,
      refundedAt: '2026-06-02T10:00:00Z',
    });
    await service.draftFromOrder('draft-1', { ...demoOrder({ orderId: 'o-draft' }), workspaceId: 'ws-own' });
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
    await store?.close();
    await db?.drop();
  });

  it('given its own finalized invoice, when the workspace downloads it, then it gets a PDF named by the invoice number showing that number', async () => {
    const download = await downloads.invoicePdf(own, invoiceIdForOrder('o-own'));
    expect(download?.filename).toBe('TG-2026-000001.pdf');
    expect(pdfText(download?.body as Buffer)).toContain('TG-2026-000001');
  }, 30_000);

  it("given another workspace's invoice, when a workspace downloads it or its credit note, then nothing is returned; an admin gets it", async () => {
    const id = invoiceIdForOrder('o-own');
    expect(await downloads.invoicePdf(other, id)).toBeNull();
    expect(await downloads.creditNotePdf(other, id, creditNoteIdForRefund('rf-own'))).toBeNull();
    expect((await downloads.invoicePdf({ kind: 'admin' }, id))?.filename).toBe('TG-2026-000001.pdf');
  }, 30_000);

  it('given a credit note, when its owner downloads it, then the PDF shows the credit note number', async () => {
    const download = await downloads.creditNotePdf(
      own,
      invoiceIdForOrder('o-own'),
      creditNoteIdForRefund('rf-own'),
    );
    expect(download?.filename).toBe('TG-2026-000001-CN001.pdf');
    expect(pdfText(download?.body as Buffer)).toMatch(/Total credited\s+-11\.90 EUR/);
  }, 30_000);

  it('given a draft, an unknown id or a malformed id, when downloaded, then nothing is returned', async () => {
    expect(await downloads.invoicePdf(own, 'draft-1')).toBeNull();
    expect(await downloads.invoicePdf(own, 'no-such-invoice')).toBeNull();
    expect(await downloads.invoicePdf({ kind: 'admin' }, '../../etc/passwd')).toBeNull();
  });
});
