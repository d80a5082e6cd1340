// Child process of the numbering test: finalizes its share of invoices with several concurrent workers.
import { readFileSync } from 'node:fs';
import { PostgresEventStore } from '@tollgate/event-store';
import { DEMO_SELLER } from '../demo/demo-data';
import { InvoiceService } from '../invoice/invoice-service';

async function main(): Promise<void> {
  const [url, idsFile, workersText] = process.argv.slice(2);
  const ids: string[] = JSON.parse(readFileSync(idsFile, 'utf8'));
  const workers = Number(workersText);
  const store = new PostgresEventStore({ connectionString: url, poolSize: workers + 1 });
  const service = new InvoiceService({ store, seller: DEMO_SELLER });
  let next = 0;
  const numbers: string[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        numbers.push((await service.finalize(id)).number);
      }
    }),
  );
  await store.close();
  const stats = { ...service.numberingStats, ms: Date.now() - started };
  process.stdout.write(JSON.stringify({ pid: process.pid, numbers, stats }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
