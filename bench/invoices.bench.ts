// Invoice PDF and CSV statement throughput. Prints JSON lines; the last one is the summary:
// {"bench":"invoices","pdf_ms_p50":N,"pdf_per_s":N,"csv_100k_lines_s":N}
import { Writable } from 'node:stream';
import {
  InvoicePdfs,
  InvoiceTemplates,
  PdfRenderer,
  demoInvoiceEvents,
  demoOrder,
  demoStatementLines,
  writeStatementCsv,
} from '@tollgate/invoicing';

const WARMUP_RENDERS = 5;
const SEQUENTIAL_RENDERS = Number(process.env.BENCH_PDF_RENDERS ?? 40);
const PARALLEL_RENDERS = Number(process.env.BENCH_PDF_PARALLEL_RENDERS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_PDF_CONCURRENCY ?? 4);
const CSV_LINES = 100_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function benchPdf() {
  const renderer = new PdfRenderer({ maxConcurrentRenders: CONCURRENCY });
  const pdfs = new InvoicePdfs(new InvoiceTemplates(), renderer);
  const invoices = Array.from({ length: 20 }, (_, i) =>
    demoInvoiceEvents(demoOrder({ orderId: `bench-${i}` }), { sequence: i + 1 }),
  );
  try {
    const launchStart = performance.now();
    await renderer.warmUp();
    const launchMs = performance.now() - launchStart;
    for (let i = 0; i < WARMUP_RENDERS; i++) await pdfs.invoicePdf(invoices[i % invoices.length]);
    // Latency: one render at a time on the warm browser (template + Chromium + PDF bytes).
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_RENDERS; i++) {
      const t = performance.now();
      await pdfs.invoicePdf(invoices[i % invoices.length]);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    // Throughput: many renders at once, bounded by the renderer's semaphore.
    const t = performance.now();
    await Promise.all(
      Array.from({ length: PARALLEL_RENDERS }, (_, i) => pdfs.invoicePdf(invoices[i % invoices.length])),
    );
    const parallelS = (performance.now() - t) / 1000;
    const result = {
      launchMs: round(launchMs),
      p50: round(percentile(latencies, 0.5)),
      p95: round(percentile(latencies, 0.95)),
      perS: round(PARALLEL_RENDERS / parallelS),
    };
    console.log(JSON.stringify({ bench: 'invoices.pdf', concurrency: CONCURRENCY, ...result }));
    return result;
  } finally {
    await renderer.close();
  }
}

async function benchCsv() {
  const periodStart = new Date('2026-03-01T00:00:00Z');
  const periodEnd = new Date('2026-04-01T00:00:00Z');
  const opening = 1_000_000_000_000n;
  const lines = [
    ...demoStatementLines(CSV_LINES, { periodStart, periodEnd, openingBalanceNanocredits: opening }),
  ];
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const cpuStart = process.cpuUsage();
  const t = performance.now();
  const totals = await writeStatementCsv(
    { accountId: 'bench', periodStart, periodEnd, openingBalanceNanocredits: opening, lines },
    sink,
  );
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      bench: 'invoices.csv',
      lines: totals.lineCount,
      bytes,
      seconds: round(seconds, 3),
      cpuSeconds: round(cpuSeconds, 3),
    }),
  );
  return seconds;
}

async function main() {
  // CSV first: a closing Chromium would otherwise share the CPU with it.
  const csvS = await benchCsv();
  const pdf = await benchPdf();
  console.log(
    JSON.stringify({
      bench: 'invoices',
      pdf_ms_p50: pdf.p50,
      pdf_per_s: pdf.perS,
      csv_100k_lines_s: round(csvS, 3),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
