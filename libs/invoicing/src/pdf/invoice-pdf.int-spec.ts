import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoInvoiceEvents, demoOrder, demoReverseChargeOrder } from '../demo/demo-data';
import { InvoicePdfs } from './invoice-pdf';
import { PdfRenderer } from './pdf-renderer';
import { InvoiceTemplates, writeDefaultTemplates } from './templates';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-pdf-'));

function pdfText(pdf: Buffer): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', timeout: 10_000 });
}

describe('invoice PDFs (Chromium + pdftotext)', () => {
  let renderer: PdfRenderer;
  let pdfs: InvoicePdfs;

  beforeAll(async () => {
    renderer = new PdfRenderer({ maxConcurrentRenders: 2 });
    pdfs = new InvoicePdfs(new InvoiceTemplates({ dir: join(dir, 'no-overrides') }), renderer);
    await renderer.warmUp();
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a finalized invoice, when rendered, then the PDF shows its number, buyer, lines, tax and total', async () => {
    const pdf = await pdfs.invoicePdf(demoInvoiceEvents(demoOrder({ orderId: 'ord-pdf-1' })));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('TG-2026-000042');
    expect(text).toContain('2026-03-14');
    expect(text).toContain('Ada Customer');
    expect(text).toContain('München');
    expect(text).toContain('Germany');
    expect(text).toContain('Tollgate Demo GmbH');
    expect(text).toContain('DE123456789');
    expect(text).toMatch(/100 credits package\s+100\s+1\s+19%\s+100\.00/);
    expect(text).toMatch(/Bonus credits\s+10\s+1\s+19%\s+0\.00/);
    expect(text).toMatch(/VAT 19%\s+19%\s+100\.00 EUR\s+19\.00 EUR/);
    expect(text).toMatch(/Total due\s+119\.00 EUR/);
    expect(text).not.toMatch(/Reverse charge/);
  }, 30_000);

  it('given a reverse-charge invoice, when rendered, then the legal note and the buyer VAT id appear and tax is zero', async () => {
    const text = pdfText(await pdfs.invoicePdf(demoInvoiceEvents(demoReverseChargeOrder('ord-rc'))));
    expect(text).toContain('Reverse charge: VAT to be accounted for by the recipient');
    expect(text).toContain('FR12345678901');
    expect(text).toContain('Société Exemple SARL');
    expect(text).toMatch(/Tax total\s+0\.00 EUR/);
    expect(text).toMatch(/Total due\s+500\.00 EUR/);
  }, 30_000);

  it('given the same events, when rendered twice (also concurrently with others), then the text content is identical', async () => {
    const events = demoInvoiceEvents(demoOrder({ orderId: 'ord-det' }), { sequence: 7 });
    const renders = await Promise.all(
      [events, demoInvoiceEvents(demoOrder({ orderId: 'x' })), events, events].map((e) => pdfs.invoicePdf(e)),
    );
    expect(renderer.activeRenders).toBe(0);
    const texts = renders.map(pdfText);
    expect(texts[0]).toContain('TG-2026-000007');
    expect(texts[2]).toBe(texts[0]);
    expect(texts[3]).toBe(texts[0]);
    expect(texts[1]).not.toBe(texts[0]);
  }, 30_000);

  it('given a partial refund, when the credit note is rendered, then it shows its number, the corrected invoice and the credited amounts', async () => {
    const events = demoInvoiceEvents(demoOrder({ orderId: 'ord-cn' }), {
      refunds: [{ refundId: 'rf-9', grossMinor: 5950n }],
    });
    const text = pdfText(await pdfs.creditNotePdf(events, 'cn-rf-9'));
    expect(text).toContain('Credit note');
    expect(text).toContain('TG-2026-000042-CN001');
    expect(text).toContain('Corrects invoice');
    expect(text).toMatch(/Net credited\s+-50\.00 EUR/);
    expect(text).toMatch(/Tax credited \(VAT 19%\)\s+-9\.50 EUR/);
    expect(text).toMatch(/Total credited\s+-59\.50 EUR/);
    const invoiceText = pdfText(await pdfs.invoicePdf(events));
    expect(invoiceText).toContain('TG-2026-000042-CN001 of 2026-03-14: 59.50 EUR');
  }, 30_000);

  it('given a buyer name with HTML, when the invoice HTML is built, then it is escaped', () => {
    const order = demoOrder({ orderId: 'ord-xss' });
    order.buyer = { ...order.buyer, legalName: '<script>alert(1)</script> & Co' };
    const html = pdfs.invoiceHtml(demoInvoiceEvents(order));
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });

  it('given an operator template in the override folder, when rendering, then it wins over the default', async () => {
    const overrides = join(dir, 'overrides');
    execFileSync('mkdir', ['-p', overrides]);
    writeFileSync(
      join(overrides, 'invoice.hbs'),
      '<html><body><h1>ACME BILL {{number}}</h1><p>{{buyer.legalName}} owes {{money tax.grossMinor currency}}</p></body></html>',
    );
    const custom = new InvoicePdfs(new InvoiceTemplates({ dir: overrides }), renderer);
    const text = pdfText(await custom.invoicePdf(demoInvoiceEvents(demoOrder({ orderId: 'ord-o' }))));
    expect(text).toContain('ACME BILL TG-2026-000042');
    expect(text).toContain('Ada Customer owes 119.00');
  }, 30_000);

  it('given the browser crashed, when the next invoice is rendered, then a new browser is launched and the render succeeds', async () => {
    const pid = await renderer.browserProcessId();
    expect(pid).not.toBeNull();
    process.kill(pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const text = pdfText(await pdfs.invoicePdf(demoInvoiceEvents(demoOrder({ orderId: 'ord-after-crash' }))));
    expect(text).toContain('TG-2026-000042');
    expect(await renderer.browserProcessId()).not.toBe(pid);
  }, 60_000);

  it('given the defaults written out for an operator and one edited, when rendering from that folder, then the edit shows and the rest is unchanged', async () => {
    const folder = join(dir, 'exported');
    expect(
      writeDefaultTemplates(folder)
        .map((f) => f.slice(folder.length + 1))
        .sort(),
    ).toEqual(['credit-note.hbs', 'invoice.hbs', 'party.hbs', 'styles.hbs']);
    const party = join(folder, 'party.hbs');
    writeFileSync(party, readFileSync(party, 'utf8').replace('VAT ID:', 'USt-IdNr.:'));
    expect(writeDefaultTemplates(folder)).toEqual([]);
    const custom = new InvoicePdfs(new InvoiceTemplates({ dir: folder }), renderer);
    const text = pdfText(await custom.invoicePdf(demoInvoiceEvents(demoOrder({ orderId: 'ord-e' }))));
    expect(text).toContain('USt-IdNr.: DE123456789');
    expect(text).toMatch(/Total due\s+119\.00 EUR/);
  }, 30_000);
});
