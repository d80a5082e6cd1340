import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore, type RecordedEvent } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { DEMO_SELLER, demoOrder } from '../demo/demo-data';
import { invoiceStreamId } from '../invoice/events';
import { invoiceIdForOrder, InvoiceService } from '../invoice/invoice-service';
import type { ConfirmedOrder, RefundedOrder } from '../invoice/inputs';
import { InvoicingReactor, type PaymentFact } from './invoicing.reactor';

// Stand-in payment events shaped by this test; the integrator maps libs/payments' real events.
function paymentEvent(type: string, data: unknown): RecordedEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {},
    streamId: 'payment-x',
    revision: 0n,
    position: { commit: 1n, prepare: 1n },
    recordedAt: new Date(),
  };
}

const mapper = (e: RecordedEvent): PaymentFact | null =>
  e.type === 'TestOrderConfirmed'
    ? { kind: 'order_confirmed', order: e.data as ConfirmedOrder }
    : e.type === 'TestOrderRefunded'
      ? { kind: 'order_refunded', refund: e.data as RefundedOrder }
      : null;

describe('invoicing reactor', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let reactor: InvoicingReactor;
  let service: InvoiceService;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 4 });
    await store.migrate();
    service = new InvoiceService({
      store,
      seller: DEMO_SELLER,
      clock: () => new Date('2026-03-14T10:00:00Z'),
    });
    reactor = new InvoicingReactor(service, mapper);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('given a confirmed order delivered twice, when the reactor handles both, then one invoice is drafted and finalized with one number', async () => {
    const order = demoOrder({ orderId: 'ord-twice' });
    const first = await reactor.handle(paymentEvent('TestOrderConfirmed', order));
    const second = await reactor.handle(paymentEvent('TestOrderConfirmed', order));
    expect(first).toEqual({
      kind: 'invoice_finalized',
      invoiceId: invoiceIdForOrder('ord-twice'),
      number: 'TG-2026-000001',
    });
    expect(second).toEqual(first);
    const events = await store.readStream(invoiceStreamId(invoiceIdForOrder('ord-twice')));
    expect(events.map((e) => e.type)).toEqual([
      'InvoiceDrafted',
      'InvoiceNumberRequested',
      'InvoiceFinalized',
    ]);
  });

  it('given a finalized invoice, when the same refund is delivered twice, then exactly one credit note is issued', async () => {
    const refund: RefundedOrder = {
      orderId: 'ord-twice',
      refundId: 'rf-1',
      grossMinor: '11900',
      reason: 'customer request',
      refundedAt: '2026-03-20T10:00:00Z',
    };
    await reactor.handle(paymentEvent('TestOrderRefunded', refund));
    await reactor.handle(paymentEvent('TestOrderRefunded', refund));
    const { state } = await service.load(invoiceIdForOrder('ord-twice'));
    expect(state.creditNotes.map((c) => [c.number, c.grossMinor])).toEqual([
      ['TG-2026-000001-CN001', '11900'],
    ]);
  });

  it('given a fully credited invoice, when another refund arrives, then it is rejected as exceeding what is creditable', async () => {
    const refund: RefundedOrder = {
      orderId: 'ord-twice',
      refundId: 'rf-2',
      grossMinor: '1',
      reason: null,
      refundedAt: '2026-03-21T10:00:00Z',
    };
    await expect(reactor.handle(paymentEvent('TestOrderRefunded', refund))).rejects.toMatchObject({
      code: 'CREDIT_EXCEEDS_CREDITABLE',
    });
  });

  it('given an unrelated event, when handled, then it is ignored', async () => {
    expect(await reactor.handle(paymentEvent('SomethingElse', {}))).toEqual({ kind: 'ignored' });
  });

  it('given a process that took a number for an invoice and died before finalizing, when the reactor sees that InvoiceNumberAllocated, then it finalizes the invoice with that number', async () => {
    const invoiceId = 'inv-crashed';
    await service.draftFromOrder(invoiceId, demoOrder({ orderId: 'ord-crashed' }));
    const numbers = 'invoice-numbers-TG-2026';
    const [tail] = await store.readStream(numbers, { direction: 'backwards', maxCount: 1 });
    const sequence = Number(tail.revision) + 2;
    const now = '2026-03-14T10:00:00.000Z';
    await store.append(
      invoiceStreamId(invoiceId),
      [
        {
          id: randomUUID(),
          type: 'InvoiceNumberRequested',
          data: {
            invoiceId,
            seriesId: 'TG',
            year: 2026,
            afterRevision: Number(tail.revision),
            requestedAt: now,
          },
        },
      ],
      { expectedRevision: 0n },
    );
    const number = `TG-2026-${String(sequence).padStart(6, '0')}`;
    await store.append(
      numbers,
      [
        {
          id: randomUUID(),
          type: 'InvoiceNumberAllocated',
          data: { seriesId: 'TG', year: 2026, sequence, number, invoiceId, allocatedAt: now },
        },
      ],
      { expectedRevision: tail.revision },
    );
    const [allocated] = await store.readStream(numbers, { direction: 'backwards', maxCount: 1 });

    expect(await reactor.handle(allocated)).toEqual({ kind: 'recovered_number', invoiceId, number });
    expect(await reactor.handle(allocated)).toEqual({ kind: 'ignored' });
    expect((await service.load(invoiceId)).state.finalized?.number).toBe(number);
  });
});
