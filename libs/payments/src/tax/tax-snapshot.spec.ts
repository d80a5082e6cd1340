import { DomainError } from '@tollgate/event-store';
import type { BillingProfile } from '../billing-profiles/billing-profile';
import { lookupSourceRate, RATE_SOURCE } from './rates';
import { REVERSE_CHARGE_NOTE, TaxSettingsSchema } from './tax-settings';
import { computeTaxSnapshot, splitTax, type TaxSnapshot } from './tax-snapshot';

const at = new Date('2026-11-01T12:00:00Z');
const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'EUR' });
const profile = (over: Partial<BillingProfile>): BillingProfile => ({
  legalName: 'Acme',
  addressLines: ['1 Main St'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  invoiceEmail: 'billing@acme.test',
  ...over,
});
const germanSeller = TaxSettingsSchema.parse({ sellerCountry: 'DE' });

function ok(r: TaxSnapshot | DomainError): TaxSnapshot {
  if (r instanceof DomainError) throw r;
  return r;
}

describe('tax snapshot', () => {
  it('given a German seller and a German consumer, when pricing 100.00 tax-exclusive, then 19 % VAT is added', () => {
    const s = ok(
      computeTaxSnapshot({
        price: usd(10_000n),
        taxMode: 'exclusive',
        profile: profile({}),
        settings: germanSeller,
        at,
      }),
    );
    expect(s).toMatchObject({
      treatment: 'standard',
      taxCountry: 'DE',
      ratePercent: '19',
      rateSource: RATE_SOURCE,
      netMinor: '10000',
      taxMinor: '1900',
      grossMinor: '11900',
    });
  });

  it('given an EU business with a VAT id in another member state, when pricing, then reverse charge at 0 % with the legal note', () => {
    const s = ok(
      computeTaxSnapshot({
        price: usd(10_000n),
        taxMode: 'exclusive',
        profile: profile({ country: 'FR', vatId: 'FR40303265045', city: 'Paris' }),
        settings: germanSeller,
        at,
      }),
    );
    expect(s).toMatchObject({
      treatment: 'reverse_charge',
      ratePercent: '0',
      taxMinor: '0',
      grossMinor: '10000',
    });
    expect(s.note).toBe(REVERSE_CHARGE_NOTE);
  });

  it('given an EU consumer elsewhere and an OSS registration, when pricing, then the buyer country rate applies', () => {
    const settings = TaxSettingsSchema.parse({ sellerCountry: 'DE', registrations: ['EU_OSS'] });
    const s = ok(
      computeTaxSnapshot({
        price: usd(10_000n),
        taxMode: 'exclusive',
        profile: profile({ country: 'FR' }),
        settings,
        at,
      }),
    );
    expect(s).toMatchObject({ taxCountry: 'FR', ratePercent: '20', taxMinor: '2000' });
  });

  it('given an EU consumer elsewhere without OSS, when pricing, then the seller country rate applies', () => {
    const s = ok(
      computeTaxSnapshot({
        price: usd(10_000n),
        taxMode: 'exclusive',
        profile: profile({ country: 'FR' }),
        settings: germanSeller,
        at,
      }),
    );
    expect(s).toMatchObject({ taxCountry: 'DE', ratePercent: '19' });
  });

  it('given a buyer outside the seller registrations, when pricing, then no tax and the outside-scope note', () => {
    const s = ok(
      computeTaxSnapshot({
        price: usd(10_000n),
        taxMode: 'exclusive',
        profile: profile({ country: 'US', region: 'CA' }),
        settings: germanSeller,
        at,
      }),
    );
    expect(s).toMatchObject({ treatment: 'outside_scope', taxMinor: '0', grossMinor: '10000' });
  });

  it('given an operator override, when pricing, then the override wins over the bundled table', () => {
    const settings = TaxSettingsSchema.parse({ sellerCountry: 'DE', rateOverrides: { DE: '7.5' } });
    const s = ok(
      computeTaxSnapshot({ price: usd(10_001n), taxMode: 'exclusive', profile: profile({}), settings, at }),
    );
    expect(s).toMatchObject({
      ratePercent: '7.5',
      rateSource: 'operator override',
      taxMinor: '750',
      grossMinor: '10751',
    });
  });

  it('given a tax-inclusive price, when pricing, then net + tax equals the price exactly', () => {
    const s = ok(
      computeTaxSnapshot({
        price: usd(999n),
        taxMode: 'inclusive',
        profile: profile({}),
        settings: germanSeller,
        at,
      }),
    );
    expect(BigInt(s.netMinor) + BigInt(s.taxMinor)).toBe(999n);
    expect(s).toMatchObject({ netMinor: '839', taxMinor: '160', grossMinor: '999' });
  });

  it('given a Canadian buyer in Ontario and a CA registration, when pricing, then federal plus provincial rates add up', () => {
    const settings = TaxSettingsSchema.parse({ sellerCountry: 'DE', registrations: ['CA'] });
    const s = ok(
      computeTaxSnapshot({
        price: { amountMinor: 10_000n, currency: 'CAD' },
        taxMode: 'exclusive',
        profile: profile({ country: 'CA', region: 'ON' }),
        settings,
        at,
      }),
    );
    expect(s.ratePercent).toBe('13');
    expect(s.taxMinor).toBe('1300');
  });

  it('given rate table entries with a scheduled change, when looking up before the change date, then the older rate applies', () => {
    expect(lookupSourceRate('AW', undefined, new Date('2022-01-01T00:00:00Z'))?.ratePercent).toBe('0');
    expect(lookupSourceRate('AW', undefined, at)?.ratePercent).toBe('12.5');
  });

  it('given half-cent tax, when splitting, then it rounds half up once', () => {
    expect(splitTax({ amountMinor: 50n, currency: 'EUR' }, '19', 'exclusive')).toEqual({
      net: 50n,
      tax: 10n,
      gross: 60n,
    });
    expect(splitTax({ amountMinor: 150n, currency: 'EUR' }, '7', 'exclusive').tax).toBe(11n);
  });
});
