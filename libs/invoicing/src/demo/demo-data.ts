import { DomainError } from '@tollgate/event-store';
import { decideInvoice, evolveInvoice, initialInvoiceState, type InvoiceCommand } from '../invoice/decider';
import type { InvoiceEvent } from '../invoice/events';
import type { ConfirmedOrder, SellerSnapshot } from '../invoice/inputs';
import { DEFAULT_SERIES, formatInvoiceNumber } from '../numbering/series';

/** Demo seller and orders: used by the seeded demo, the benchmark and the tests. */
export const DEMO_SELLER: SellerSnapshot = {
  legalName: 'Tollgate Demo GmbH',
  addressLines: ['Musterstraße 1'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  vatId: 'DE123456789',
  email: 'billing@tollgate.example',
  footer: 'Registered at Amtsgericht Berlin HRB 000000. IBAN DE00 0000 0000 0000 0000 00.',
};

/** A domestic B2C order: 100 credits for 100.00 EUR net + 19 % VAT, 10 bonus credits. */
export function demoOrder(overrides: Partial<ConfirmedOrder> & { orderId: string }): ConfirmedOrder {
  return {
    workspaceId: 'ws-demo',
    accountId: 'acct-demo',
    packageLine: {
      packageId: 'pkg-100',
      description: '100 credits package',
      creditsNanocredits: '100000000000',
    },
    bonusCreditsNanocredits: '10000000000',
    taxSnapshot: {
      currency: 'EUR',
      netMinor: '10000',
      taxMinor: '1900',
      grossMinor: '11900',
      breakdown: [{ label: 'VAT 19%', ratePercent: '19', netMinor: '10000', taxMinor: '1900' }],
      reverseCharge: false,
      legalNote: null,
    },
    buyer: {
      legalName: 'Ada Customer',
      addressLines: ['1 Example Road'],
      postalCode: '80331',
      city: 'München',
      country: 'DE',
      vatId: null,
      email: 'ada@example.com',
    },
    confirmedAt: '2026-03-14T10:00:00.000Z',
    ...overrides,
  };
}

/** An EU B2B reverse-charge order (buyer in France with a VAT id). */
export function demoReverseChargeOrder(orderId: string): ConfirmedOrder {
  return demoOrder({
    orderId,
    taxSnapshot: {
      currency: 'EUR',
      netMinor: '50000',
      taxMinor: '0',
      grossMinor: '50000',
      breakdown: [{ label: 'VAT 0% (reverse charge)', ratePercent: '0', netMinor: '50000', taxMinor: '0' }],
      reverseCharge: true,
      legalNote: 'Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC).',
    },
    buyer: {
      legalName: 'Société Exemple SARL',
      addressLines: ['12 rue de l’Exemple'],
      postalCode: '75001',
      city: 'Paris',
      country: 'FR',
      vatId: 'FR12345678901',
      email: 'compta@exemple.fr',
    },
  });
}

/** A finalized invoice's events built through the decider (no store): for previews, benches and tests. */
export function demoInvoiceEvents(
  order: ConfirmedOrder,
  options: {
    invoiceId?: string;
    sequence?: number;
    refunds?: { refundId: string; grossMinor: bigint }[];
  } = {},
): InvoiceEvent[] {
  const invoiceId = options.invoiceId ?? `inv-${order.orderId}`;
  const sequence = options.sequence ?? 42;
  const year = new Date(order.confirmedAt).getUTCFullYear();
  const commands: InvoiceCommand[] = [
    {
      type: 'DraftInvoice',
      invoiceId,
      seriesId: DEFAULT_SERIES.id,
      order,
      seller: DEMO_SELLER,
      draftedAt: order.confirmedAt,
    },
    {
      type: 'RequestInvoiceNumber',
      invoiceId,
      seriesId: DEFAULT_SERIES.id,
      year,
      afterRevision: sequence - 2,
      requestedAt: order.confirmedAt,
    },
    {
      type: 'FinalizeInvoice',
      invoiceId,
      seriesId: DEFAULT_SERIES.id,
      year,
      sequence,
      number: formatInvoiceNumber(DEFAULT_SERIES, year, sequence),
      finalizedAt: order.confirmedAt,
    },
    ...(options.refunds ?? []).map((r): InvoiceCommand => ({
      type: 'IssueCreditNote',
      invoiceId,
      creditNoteId: `cn-${r.refundId}`,
      refundId: r.refundId,
      grossMinor: r.grossMinor,
      reason: 'Customer request',
      issuedAt: order.confirmedAt,
    })),
  ];
  let state = initialInvoiceState();
  const events: InvoiceEvent[] = [];
  for (const command of commands) {
    const result = decideInvoice(command, state);
    if (result instanceof DomainError) throw result;
    for (const e of result) {
      state = evolveInvoice(state, e);
      events.push(e);
    }
  }
  return events;
}
