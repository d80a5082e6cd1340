import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError, PostgresEventStore } from '@tollgate/event-store';
import { paymentDecider, paymentStream, type PaymentCommand } from '@tollgate/payments';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
// libs/payments' own fixtures (a German seller and consumer); read, not changed.
import { createOrderCommand, T0 } from '../../../payments/src/testing/fixtures';
import { DEMO_SELLER } from '../demo/demo-data';
import { invoiceIdForOrder, InvoiceService } from '../invoice/invoice-service';
import { Pool } from 'pg';
import { InvoicingReactor } from './invoicing.reactor';
import { InvoicingReactorRunner } from './reactor-runner';
import { paymentEventMapper } from './payments-mapping';

describe('invoicing from libs/payments events', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let service: InvoiceService;
  let reactor: InvoicingReactor;

  /** Runs payment commands through the payments decider and stores its events, as the payments service does. */
  async function pay(commands: PaymentCommand[]): Promise<void> {
    let state = paymentDecider.initialState();
    const stream = paymentStream(commands[0].orderId);
    const existing = await store.readStream(stream);
    for (const e of existing) state = paymentDecider.evolve(state, e as never);
    let revision: bigint | 'no_stream' = existing.length
      ? existing[existing.length - 1].revision
      : 'no_stream';
    for (const command of commands) {
      const events = paymentDecider.decide(command, state);
      if (events instanceof DomainError) throw events;
      if (events.length === 0) continue;
      const r = await store.append(
        stream,
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
        {
          expectedRevision: revision,
        },
      );
      revision = r.nextExpectedRevision;
      for (const e of events) state = paymentDecider.evolve(state, e);
    }
  }

  /** `$all` shows events only below the oldest open transaction (cluster-wide): wait until ours are. */
  async function allVisible(): Promise<void> {
    for (let i = 0; i < 500 && (await store.hasPendingEvents()); i++)
      await new Promise((r) => setTimeout(r, 10));
  }

  async function react(): Promise<string[]> {
    await allVisible();
    const outcomes: string[] = [];
    for (const e of await store.readAll({ maxCount: 1000 })) {
      const o = await reactor.handle(e);
      if (o.kind !== 'ignored') outcomes.push(o.kind);
    }
    return outcomes;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, poolSize: 4 });
    await store.migrate();
    service = new InvoiceService({ store, seller: DEMO_SELLER, clock: () => T0 });
    reactor = new InvoicingReactor(service, paymentEventMapper(store));
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('given a payments order confirmed and partly refunded, when the reactor reads $all (twice), then one invoice with the frozen profile and tax and one credit note exist', async () => {
    const create = createOrderCommand({ orderId: 'order-map-1' });
    const base = { orderId: create.orderId, now: T0 };
    await pay([
      create,
      {
        ...base,
        type: 'OpenCheckoutSession',
        idempotencyKey: 'open',
        provider: 'stripe',
        sessionId: 'cs_1',
        url: 'https://pay.test/cs_1',
      },
      {
        ...base,
        type: 'ConfirmPayment',
        idempotencyKey: 'evt_1',
        provider: 'stripe',
        providerEventId: 'evt_1',
        providerPaymentId: 'pi_1',
        amountMinor: BigInt(create.tax.grossMinor),
        currency: create.tax.currency.toLowerCase(),
        paid: true,
      },
    ]);
    expect(await react()).toEqual(['invoice_finalized']);

    const { state } = await service.load(invoiceIdForOrder('order-map-1'));
    expect(state.status).toBe('finalized');
    expect(state.drafted?.buyer).toMatchObject({
      legalName: 'Acme GmbH',
      country: 'DE',
      email: 'billing@acme.test',
    });
    expect(state.drafted?.tax).toMatchObject({
      netMinor: create.tax.netMinor,
      taxMinor: create.tax.taxMinor,
      grossMinor: create.tax.grossMinor,
      reverseCharge: false,
    });
    expect(state.drafted?.lines[0]).toMatchObject({
      kind: 'credit_package',
      creditsNanocredits: create.package.creditsNanocredits,
    });

    await pay([
      {
        ...base,
        type: 'RequestRefund',
        idempotencyKey: 'rr-1',
        refundId: 'rf-1',
        creditsNanocredits: BigInt(create.package.creditsNanocredits) / 2n,
        unconsumedNanocredits:
          BigInt(create.package.creditsNanocredits) + BigInt(create.package.bonusNanocredits),
        reason: 'not needed',
        actor: 'admin-1',
      },
      { ...base, type: 'CompleteRefund', idempotencyKey: 'rc-1', refundId: 'rf-1', providerRefundId: 're_1' },
    ]);
    // The reactor re-reads everything from the start: redelivery must change nothing.
    expect(await react()).toEqual(['invoice_finalized', 'credit_note_issued']);
    const after = (await service.load(invoiceIdForOrder('order-map-1'))).state;
    expect(after.creditNotes).toHaveLength(1);
    expect(after.creditNotes[0]).toMatchObject({ refundId: 'rf-1', reason: 'not needed' });
    expect(BigInt(after.creditNotes[0].grossMinor)).toBeGreaterThan(0n);
    expect(after.finalized?.sequence).toBe(1);
  });

  it('given the checkpointed runner, when it catches up twice, then the second run acts on nothing; an order confirmed later is invoiced on the next run with the next number', async () => {
    const pool = new Pool({ connectionString: db.url, max: 2 });
    try {
      const runner = new InvoicingReactorRunner(store, pool, reactor);
      await runner.migrate();
      await allVisible();
      const first = await runner.catchUp();
      expect(first.map((a) => a.outcome.kind)).toEqual(['invoice_finalized', 'credit_note_issued']);
      expect(await runner.catchUp()).toEqual([]);
      const create = createOrderCommand({ orderId: 'order-map-2', idempotencyKey: 'create-2' });
      await pay([
        create,
        {
          orderId: 'order-map-2',
          now: T0,
          type: 'OpenCheckoutSession',
          idempotencyKey: 'open-2',
          provider: 'stripe',
          sessionId: 'cs_2',
          url: 'https://pay.test/cs_2',
        },
        {
          orderId: 'order-map-2',
          now: T0,
          type: 'ConfirmPayment',
          idempotencyKey: 'evt_2',
          provider: 'stripe',
          providerEventId: 'evt_2',
          providerPaymentId: 'pi_2',
          amountMinor: BigInt(create.tax.grossMinor),
          currency: create.tax.currency.toLowerCase(),
          paid: true,
        },
      ]);
      await allVisible();
      const next = await runner.catchUp();
      expect(next.map((a) => a.outcome)).toEqual([
        { kind: 'invoice_finalized', invoiceId: invoiceIdForOrder('order-map-2'), number: 'TG-2026-000002' },
      ]);
    } finally {
      await pool.end();
    }
  });
});
