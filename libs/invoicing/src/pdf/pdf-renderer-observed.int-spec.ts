import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import { PdfRenderer } from './pdf-renderer';

// The renderer tells its observer (the invoice-render metrics) about every render, good or failed.
describe('PdfRenderer onRender (invoice render metrics)', () => {
  const seen: { outcome: string; seconds: number }[] = [];
  const renderer = new PdfRenderer({
    maxConcurrentRenders: 1,
    renderTimeoutMs: 10_000,
    onRender: (outcome, seconds) => seen.push({ outcome, seconds }),
  });

  afterAll(async () => {
    await renderer.close();
  });

  it('given a page, when rendered, then one "rendered" with a positive duration', async () => {
    const pdf = await renderer.render('<html><body><h1>Invoice TG-2026-000001</h1></body></html>');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(seen).toHaveLength(1);
    expect(seen[0].outcome).toBe('rendered');
    expect(seen[0].seconds).toBeGreaterThan(0);
  }, 60_000);

  it('given a page whose image never arrives, when the render times out, then one "failed"', async () => {
    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((ok) => hanging.listen(0, '127.0.0.1', ok));
    const { port } = hanging.address() as AddressInfo;
    const slow = new PdfRenderer({
      maxConcurrentRenders: 1,
      renderTimeoutMs: 300,
      onRender: (outcome, seconds) => seen.push({ outcome, seconds }),
    });
    try {
      await expect(
        slow.render(`<html><body><img src="http://127.0.0.1:${port}/logo.png"></body></html>`),
      ).rejects.toThrow(/PDF render failed/);
    } finally {
      await slow.close();
      hanging.closeAllConnections();
      await new Promise((ok) => hanging.close(ok));
    }
    expect(seen.at(-1)?.outcome).toBe('failed');
  }, 60_000);
});
