import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import {
  dumpProjection,
  ProjectionRunner,
  rebuildProjections,
  waitForProjections,
} from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { DEMO_SELLER, demoOrder, demoReverseChargeOrder } from '../demo/demo-data';
import { invoiceIdForOrder, InvoiceService } from '../invoice/invoice-service';
import { InvoicingReactor } from '../reactor/invoicing.reactor';
import { findInvoice, listCreditNotes, listInvoices } from './invoice-queries';
import { invoicesProjection } from './invoices.projection';

describe('invoices read model', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let runner: ProjectionRunner;
  let reactor: InvoicingReactor;
  const clock = { now: new Date('2026-05-02T08:00:00Z') };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 6 });
    // The forced drop at the end may still terminate a closing connection; that is not a test failure.
    pool.on('error', () => undefined);
    await migrateEventStore(pool);
    store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
    const service = new InvoiceService({ store, seller: DEMO_SELLER, clock: () => clock.now });
    reactor = new InvoicingReactor(service, () => null);
    runner = new ProjectionRunner({
      pool,
      store,
      projections: [invoicesProjection],
      log: () => undefined,
      lockRetryMs: 200,
    });
    await runner.start();

    await reactor.onOrderConfirmed({
      ...demoOrder({ orderId: 'o-1' }),
      workspaceId: 'ws-1',
      accountId: 'acct-1',
    });
    await reactor.onOrderConfirmed({
      ...demoReverseChargeOrder('o-2'),
      workspaceId: 'ws-2',
      accountId: 'acct-2',
    });
    await reactor.onOrderConfirmed({
      ...demoOrder({ orderId: 'o-3' }),
      workspaceId: 'ws-1',
      accountId: 'acct-1',
    });
    await reactor.onOrderRefunded({
      orderId: 'o-1',
      refundId: 'rf-1',
      grossMinor: '5950',
      reason: 'partial',
      refundedAt: '2026-05-03T08:00:00Z',
    });
    await service.void(invoiceIdForOrder('o-3'), 'issued twice');
    await service.draftFromOrder('draft-only', { ...demoOrder({ orderId: 'o-4' }), workspaceId: 'ws-1' });
    // `$all` shows events only below the oldest open transaction (cluster-wide): wait until ours are.
    for (let i = 0; i < 500 && (await store.hasPendingEvents()); i++)
      await new Promise((r) => setTimeout(r, 10));
    await waitForProjections(pool, store, ['invoices'], { timeoutMs: 20_000 });
  }, 40_000);

  afterAll(async () => {
    await runner?.stop();
    await store?.close();
    await pool?.end();
    await db?.drop();
  });

  it('given invoices of two workspaces, when a workspace lists them, then it sees only its own finalized and voided invoices with their numbers and amounts', async () => {
    const ws1 = await listInvoices(pool, { kind: 'workspace', workspaceId: 'ws-1' });
    expect(ws1.map((i) => [i.number, i.status, i.grossMinor, i.creditedMinor])).toEqual([
      ['TG-2026-000003', 'voided', 11900n, 0n],
      ['TG-2026-000001', 'finalized', 11900n, 5950n],
    ]);
    const ws2 = await listInvoices(pool, { kind: 'workspace', workspaceId: 'ws-2' });
    expect(ws2.map((i) => [i.number, i.reverseCharge, i.taxMinor, i.buyerName])).toEqual([
      ['TG-2026-000002', true, 0n, 'Société Exemple SARL'],
    ]);
    expect(await listInvoices(pool, { kind: 'admin' })).toHaveLength(3);
  });

  it("given another workspace's invoice id, when a workspace looks it up, then it is not found; an admin finds it", async () => {
    const foreign = invoiceIdForOrder('o-2');
    expect(await findInvoice(pool, { kind: 'workspace', workspaceId: 'ws-1' }, foreign)).toBeNull();
    expect((await findInvoice(pool, { kind: 'admin' }, foreign))?.number).toBe('TG-2026-000002');
    expect(await findInvoice(pool, { kind: 'workspace', workspaceId: 'ws-1' }, 'draft-only')).toBeNull();
  });

  it('given a refund, when credit notes are listed, then the owner sees the numbered credit note and others do not', async () => {
    const own = await listCreditNotes(pool, { kind: 'workspace', workspaceId: 'ws-1' });
    expect(own.map((c) => [c.number, c.invoiceNumber, c.netMinor, c.taxMinor, c.grossMinor])).toEqual([
      ['TG-2026-000001-CN001', 'TG-2026-000001', 5000n, 950n, 5950n],
    ]);
    expect(await listCreditNotes(pool, { kind: 'workspace', workspaceId: 'ws-2' })).toEqual([]);
  });

  it('given the live read model, when it is rebuilt from position 0, then the rebuilt tables equal the live ones row for row', async () => {
    const live = await dumpProjection(pool, invoicesProjection);
    await runner.stop();
    const results = await rebuildProjections(pool, store, [invoicesProjection]);
    expect(results.map((r) => r.ok)).toEqual([true]);
    expect(await dumpProjection(pool, invoicesProjection)).toBe(live);
    expect(live).toContain('TG-2026-000001-CN001');
    await runner.start();
  }, 30_000);
});
