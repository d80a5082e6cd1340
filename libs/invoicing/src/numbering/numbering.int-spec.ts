import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { DEMO_SELLER, demoOrder } from '../demo/demo-data';
import { invoiceStreamId } from '../invoice/events';
import { InvoiceService } from '../invoice/invoice-service';
import { numberStreamId } from './series';

const INVOICES = 500;
const PROCESSES = 2;
const WORKERS_PER_PROCESS = 4;
const YEAR = new Date().getUTCFullYear();

function runWorker(
  url: string,
  idsFile: string,
): Promise<{ pid: number; numbers: string[]; stats: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(__dirname, '../testing/ts-register.cjs'),
        join(__dirname, '../testing/finalize-worker.ts'),
        url,
        idsFile,
        String(WORKERS_PER_PROCESS),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`worker exited ${code}: ${err.slice(0, 2000)}`));
    });
  });
}

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

describe('gap-free invoice numbering', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let service: InvoiceService;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-numbering-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 8 });
    await store.migrate();
    service = new InvoiceService({ store, seller: DEMO_SELLER });
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`given ${INVOICES} drafts, when ${PROCESSES} processes with ${WORKERS_PER_PROCESS} concurrent workers each finalize them, then numbers 1..${INVOICES} are each used exactly once and fixed in the events`, async () => {
    const startedAt = Date.now();
    const ids = Array.from({ length: INVOICES }, () => randomUUID());
    await mapLimit(ids, 8, (id) => service.draftFromOrder(id, demoOrder({ orderId: `o-${id}` })));
    const files = Array.from({ length: PROCESSES }, (_, p) => {
      const file = join(dir, `ids-${p}.json`);
      writeFileSync(file, JSON.stringify(ids.filter((_, i) => i % PROCESSES === p)));
      return file;
    });

    const draftedMs = Date.now() - startedAt;
    const results = await Promise.all(files.map((f) => runWorker(db.url, f)));
    console.log(JSON.stringify({ draftedMs, workers: results.map((r) => r.stats) }));

    const reported = results.flatMap((r) => r.numbers).sort();
    const expected = Array.from(
      { length: INVOICES },
      (_, i) => `TG-${YEAR}-${String(i + 1).padStart(6, '0')}`,
    );
    expect(reported).toEqual(expected);
    const allocations = await store.readStream(numberStreamId('TG', YEAR), { maxCount: 10_000 });
    expect(allocations.map((e) => (e.data as { sequence: number }).sequence)).toEqual(
      Array.from({ length: INVOICES }, (_, i) => i + 1),
    );
    // The number lives in each invoice's InvoiceFinalized event, matching its slot's owner.
    const owner = new Map(
      allocations.map((e) => [
        (e.data as { invoiceId: string }).invoiceId,
        (e.data as { number: string }).number,
      ]),
    );
    const finalizedNumbers: string[] = [];
    await mapLimit(ids, 8, async (id) => {
      const events = await store.readStream(invoiceStreamId(id));
      const finalized = events.filter((e) => e.type === 'InvoiceFinalized');
      expect(finalized).toHaveLength(1);
      const number = (finalized[0].data as { number: string }).number;
      expect(owner.get(id)).toBe(number);
      finalizedNumbers.push(number);
    });
    expect(finalizedNumbers.sort()).toEqual(expected);
  }, 120_000);

  it('given a process that filled a number slot and crashed before finalizing, when the invoice is finalized again or recovery runs, then it gets that number and no gap appears', async () => {
    const crashed = randomUUID();
    const other = randomUUID();
    await service.draftFromOrder(crashed, demoOrder({ orderId: `o-${crashed}` }));
    await service.draftFromOrder(other, demoOrder({ orderId: `o-${other}` }));
    const tail = await store.readStream(numberStreamId('TG', YEAR), { direction: 'backwards', maxCount: 1 });
    const sequence = Number(tail[0].revision) + 2;
    const now = new Date().toISOString();
    // The crashed process got as far as requesting a number and filling the slot.
    await store.append(
      invoiceStreamId(crashed),
      [
        {
          id: randomUUID(),
          type: 'InvoiceNumberRequested',
          data: {
            invoiceId: crashed,
            seriesId: 'TG',
            year: YEAR,
            afterRevision: sequence - 2,
            requestedAt: now,
          },
        },
      ],
      { expectedRevision: 0n },
    );
    await store.append(
      numberStreamId('TG', YEAR),
      [
        {
          id: randomUUID(),
          type: 'InvoiceNumberAllocated',
          data: {
            seriesId: 'TG',
            year: YEAR,
            sequence,
            number: `TG-${YEAR}-${String(sequence).padStart(6, '0')}`,
            invoiceId: crashed,
            allocatedAt: now,
          },
        },
      ],
      { expectedRevision: tail[0].revision },
    );

    const otherNumber = await service.finalize(other);
    expect(otherNumber.sequence).toBe(sequence + 1);
    expect(await service.finalizePending('TG', YEAR, sequence)).toBe(1);
    const recovered = await service.finalize(crashed);
    expect(recovered.sequence).toBe(sequence);
    expect(await service.finalizePending('TG', YEAR, sequence)).toBe(0);
  });

  it('given the same invoices finalized by three concurrent callers each, when all finish, then each invoice gets one number and the numbers stay contiguous', async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids) await service.draftFromOrder(id, demoOrder({ orderId: `o-${id}` }));
    const before = await store.readStream(numberStreamId('TG', YEAR), {
      direction: 'backwards',
      maxCount: 1,
    });
    const first = Number(before[0].revision) + 2;
    const results = await Promise.all(
      ids.flatMap((id) => [service.finalize(id), service.finalize(id), service.finalize(id)]),
    );
    const byInvoice = new Map<string, Set<string>>();
    for (const r of results)
      byInvoice.set(r.invoiceId, (byInvoice.get(r.invoiceId) ?? new Set()).add(r.number));
    expect([...byInvoice.values()].every((numbers) => numbers.size === 1)).toBe(true);
    const sequences = [...new Set(results.map((r) => r.sequence))].sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => first + i));
    const after = await store.readStream(numberStreamId('TG', YEAR), {
      fromRevision: BigInt(first - 1),
      maxCount: 100,
    });
    expect(after).toHaveLength(20);
  }, 30_000);
});
