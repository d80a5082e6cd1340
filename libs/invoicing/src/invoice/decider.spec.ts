import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@tollgate/event-store';
import { DEMO_SELLER, demoOrder, demoReverseChargeOrder } from '../demo/demo-data';
import {
  decideInvoice,
  evolveInvoice,
  initialInvoiceState,
  type InvoiceCommand,
  type InvoiceState,
} from './decider';
import type { InvoiceEvent } from './events';

const T = '2026-03-14T10:00:00.000Z';

function given(events: readonly InvoiceEvent[]): InvoiceState {
  return events.reduce(evolveInvoice, initialInvoiceState());
}

function when(
  events: readonly InvoiceEvent[],
  command: InvoiceCommand,
): readonly InvoiceEvent[] | DomainError {
  return decideInvoice(command, given(events));
}

function ok(result: readonly InvoiceEvent[] | DomainError): readonly InvoiceEvent[] {
  if (result instanceof DomainError) throw new Error(`unexpected ${result.code}: ${result.message}`);
  return result;
}

function code(result: readonly InvoiceEvent[] | DomainError): string {
  if (!(result instanceof DomainError)) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.code;
}

const draftCmd = (orderId = 'ord-1'): InvoiceCommand => ({
  type: 'DraftInvoice',
  invoiceId: 'inv-1',
  seriesId: 'TG',
  order: demoOrder({ orderId }),
  seller: DEMO_SELLER,
  draftedAt: T,
});
const request = (afterRevision: number): InvoiceCommand => ({
  type: 'RequestInvoiceNumber',
  invoiceId: 'inv-1',
  seriesId: 'TG',
  year: 2026,
  afterRevision,
  requestedAt: T,
});
const finalizeCmd = (sequence: number): InvoiceCommand => ({
  type: 'FinalizeInvoice',
  invoiceId: 'inv-1',
  seriesId: 'TG',
  year: 2026,
  sequence,
  number: `TG-2026-${String(sequence).padStart(6, '0')}`,
  finalizedAt: T,
});
const credit = (refundId: string, grossMinor: bigint): InvoiceCommand => ({
  type: 'IssueCreditNote',
  invoiceId: 'inv-1',
  creditNoteId: `cn-${refundId}`,
  refundId,
  grossMinor,
  reason: 'refund',
  issuedAt: '2026-04-01T09:00:00.000Z',
});

function finalizedHistory(): InvoiceEvent[] {
  const drafted = ok(decideInvoice(draftCmd(), initialInvoiceState()));
  const requested = ok(when(drafted, request(30)));
  const finalized = ok(when([...drafted, ...requested], finalizeCmd(42)));
  return [...drafted, ...requested, ...finalized];
}

describe('invoice decider', () => {
  it('given no invoice, when drafted from a confirmed order, then the package line carries the net price, bonus credits are free and the tax snapshot and buyer are frozen', () => {
    const [event] = ok(when([], draftCmd()));
    expect(event.type).toBe('InvoiceDrafted');
    if (event.type !== 'InvoiceDrafted') throw new Error('type');
    expect(event.data.lines).toEqual([
      expect.objectContaining({
        kind: 'credit_package',
        netMinor: '10000',
        creditsNanocredits: '100000000000',
      }),
      expect.objectContaining({ kind: 'bonus_credits', netMinor: '0', creditsNanocredits: '10000000000' }),
    ]);
    expect(event.data.tax.grossMinor).toBe('11900');
    expect(event.data.buyer.legalName).toBe('Ada Customer');
    expect(event.data.seller.vatId).toBe('DE123456789');
  });

  it('given a drafted invoice, when the same order is drafted again, then nothing happens; with another order it is rejected', () => {
    const drafted = ok(when([], draftCmd()));
    expect(ok(when(drafted, draftCmd()))).toEqual([]);
    expect(code(when(drafted, draftCmd('ord-other')))).toBe('INVOICE_ALREADY_EXISTS');
  });

  it('given a tax snapshot whose net and tax do not add up to gross, when drafted, then it is rejected', () => {
    const order = demoOrder({ orderId: 'o' });
    order.taxSnapshot = { ...order.taxSnapshot, grossMinor: '11901' };
    expect(
      code(when([], { ...(draftCmd() as Extract<InvoiceCommand, { type: 'DraftInvoice' }>), order })),
    ).toBe('TAX_SNAPSHOT_INCONSISTENT');
  });

  it('given a reverse-charge order, when drafted, then the legal note and zero tax are kept', () => {
    const [event] = ok(
      when([], {
        ...(draftCmd() as Extract<InvoiceCommand, { type: 'DraftInvoice' }>),
        order: demoReverseChargeOrder('o-rc'),
      }),
    );
    if (event.type !== 'InvoiceDrafted') throw new Error('type');
    expect(event.data.tax.reverseCharge).toBe(true);
    expect(event.data.tax.legalNote).toMatch(/Reverse charge/);
    expect(event.data.tax.taxMinor).toBe('0');
  });

  it('given a draft, when finalized without a number request or with a slot from before the request, then it is rejected', () => {
    const drafted = ok(when([], draftCmd()));
    expect(code(when(drafted, finalizeCmd(1)))).toBe('NUMBER_NOT_REQUESTED');
    const requested = ok(when(drafted, request(4)));
    expect(code(when([...drafted, ...requested], finalizeCmd(5)))).toBe('NUMBER_NOT_REQUESTED');
    expect(ok(when([...drafted, ...requested], finalizeCmd(6)))).toHaveLength(1);
  });

  it('given a number request, when another request arrives, then nothing happens (one request per invoice)', () => {
    const drafted = ok(when([], draftCmd()));
    const requested = ok(when(drafted, request(-1)));
    expect(requested).toEqual([
      { type: 'InvoiceNumberRequested', data: expect.objectContaining({ afterRevision: -1, year: 2026 }) },
    ]);
    expect(ok(when([...drafted, ...requested], request(10)))).toEqual([]);
  });

  it('given a draft with a number request, when finalized, then the number and issue date are fixed in the event; finalizing again with the same number is a no-op, with another is rejected', () => {
    const history = finalizedHistory();
    const last = history[history.length - 1];
    expect(last).toEqual({
      type: 'InvoiceFinalized',
      data: expect.objectContaining({ number: 'TG-2026-000042', sequence: 42, issueDate: '2026-03-14' }),
    });
    expect(ok(when(history, finalizeCmd(42)))).toEqual([]);
    expect(code(when(history, finalizeCmd(43)))).toBe('INVOICE_ALREADY_FINALIZED');
    expect(code(when(history, request(50)))).toBe('INVOICE_ALREADY_FINALIZED');
  });

  it('given no invoice, when any command other than draft arrives, then it is INVOICE_NOT_FOUND', () => {
    expect(code(when([], request(-1)))).toBe('INVOICE_NOT_FOUND');
    expect(code(when([], finalizeCmd(1)))).toBe('INVOICE_NOT_FOUND');
    expect(code(when([], credit('r', 1n)))).toBe('INVOICE_NOT_FOUND');
    expect(code(when([], { type: 'VoidInvoice', invoiceId: 'inv-1', reason: 'x', voidedAt: T }))).toBe(
      'INVOICE_NOT_FOUND',
    );
  });

  it('given a finalized invoice, when voided, then the void keeps its number; voiding again is a no-op', () => {
    const history = finalizedHistory();
    const voided = ok(
      when(history, { type: 'VoidInvoice', invoiceId: 'inv-1', reason: 'wrong buyer', voidedAt: T }),
    );
    expect(voided).toEqual([
      {
        type: 'InvoiceVoided',
        data: expect.objectContaining({ number: 'TG-2026-000042', reason: 'wrong buyer' }),
      },
    ]);
    const after = [...history, ...voided];
    expect(given(after).finalized?.number).toBe('TG-2026-000042');
    expect(
      ok(when(after, { type: 'VoidInvoice', invoiceId: 'inv-1', reason: 'again', voidedAt: T })),
    ).toEqual([]);
    expect(code(when(after, credit('r1', 100n)))).toBe('INVOICE_VOIDED');
  });

  it('given a draft, when voided or credited, then it is rejected as not finalized', () => {
    const drafted = ok(when([], draftCmd()));
    expect(code(when(drafted, { type: 'VoidInvoice', invoiceId: 'inv-1', reason: 'x', voidedAt: T }))).toBe(
      'INVOICE_NOT_FINALIZED',
    );
    expect(code(when(drafted, credit('r1', 100n)))).toBe('INVOICE_NOT_FINALIZED');
  });

  it('given a finalized invoice, when partial refunds are credited, then credit notes are numbered -CN001, -CN002 with tax split pro rata and the rest stays creditable', () => {
    const history = finalizedHistory();
    const first = ok(when(history, credit('r1', 5950n)));
    expect(first).toEqual([
      {
        type: 'CreditNoteIssued',
        data: expect.objectContaining({
          number: 'TG-2026-000042-CN001',
          grossMinor: '5950',
          taxMinor: '950',
          netMinor: '5000',
          issueDate: '2026-04-01',
        }),
      },
    ]);
    const second = ok(when([...history, ...first], credit('r2', 5950n)));
    expect(second[0]).toEqual({
      type: 'CreditNoteIssued',
      data: expect.objectContaining({ number: 'TG-2026-000042-CN002', taxMinor: '950', netMinor: '5000' }),
    });
    expect(code(when([...history, ...first, ...second], credit('r3', 1n)))).toBe('CREDIT_EXCEEDS_CREDITABLE');
  });

  it('given an odd partial refund, when the rest is credited, then net and tax of all credit notes add up exactly to the invoice', () => {
    let history = finalizedHistory();
    for (const [id, gross] of [
      ['a', 1001n],
      ['b', 333n],
      ['c', 10566n],
    ] as const) {
      history = [...history, ...ok(when(history, credit(id, gross)))];
    }
    const notes = given(history).creditNotes;
    expect(notes.reduce((s, n) => s + BigInt(n.netMinor), 0n)).toBe(10000n);
    expect(notes.reduce((s, n) => s + BigInt(n.taxMinor), 0n)).toBe(1900n);
  });

  it('given a credit note for a refund, when the same refund arrives again, then nothing happens; with another amount it is rejected', () => {
    const history = finalizedHistory();
    const after = [...history, ...ok(when(history, credit('r1', 100n)))];
    expect(ok(when(after, credit('r1', 100n)))).toEqual([]);
    expect(code(when(after, credit('r1', 200n)))).toBe('REFUND_ALREADY_CREDITED');
  });

  it('given an amount above the invoice total or not positive, when credited, then it is rejected', () => {
    const history = finalizedHistory();
    expect(code(when(history, credit('r1', 11901n)))).toBe('CREDIT_EXCEEDS_CREDITABLE');
    expect(code(when(history, credit('r1', 0n)))).toBe('INVALID_AMOUNT');
  });

  it('given an invoice with a credit note, when voided, then it is rejected', () => {
    const history = finalizedHistory();
    const after = [...history, ...ok(when(history, credit('r1', 100n)))];
    expect(code(when(after, { type: 'VoidInvoice', invoiceId: 'inv-1', reason: 'x', voidedAt: T }))).toBe(
      'INVOICE_HAS_CREDIT_NOTES',
    );
  });
});
