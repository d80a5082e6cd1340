import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { divRoundHalfUp, parseDecimal, percentOfMoney, pow10, type Money } from '@tollgate/money';
import { paymentError } from '../errors';
import { countryCode, currencyCode, isoTimestamp, nonNegativeMinorString, percentString } from '../schema';
import type { BillingProfile } from '../billing-profiles/billing-profile';
import { isEuMemberState } from '../billing-profiles/validation';
import { lookupSourceRate } from './rates';
import { OUTSIDE_SCOPE_NOTE, REVERSE_CHARGE_NOTE, type TaxSettings } from './tax-settings';

/** Frozen into the order: every figure the customer saw, and where the rate came from. */
export const TaxSnapshotSchema = z.object({
  treatment: z.enum(['standard', 'reverse_charge', 'outside_scope']),
  taxMode: z.enum(['exclusive', 'inclusive']),
  sellerCountry: countryCode,
  buyerCountry: countryCode,
  buyerRegion: z.string().max(100).optional(),
  buyerVatId: z.string().max(40).optional(),
  /** Whose rate applied (null when no tax is charged). */
  taxCountry: countryCode.nullable(),
  taxType: z.string().max(40),
  ratePercent: percentString,
  rateSource: z.string().max(100),
  currency: currencyCode,
  netMinor: nonNegativeMinorString,
  taxMinor: nonNegativeMinorString,
  grossMinor: nonNegativeMinorString,
  note: z.string().max(500).optional(),
  computedAt: isoTimestamp,
});
export type TaxSnapshot = z.infer<typeof TaxSnapshotSchema>;

export interface TaxInput {
  price: Money;
  taxMode: 'exclusive' | 'inclusive';
  profile: BillingProfile;
  settings: TaxSettings;
  at: Date;
}

interface AppliedRate {
  country: string;
  ratePercent: string;
  taxType: string;
  source: string;
}

function resolveRate(
  country: string,
  region: string | undefined,
  settings: TaxSettings,
  at: Date,
): AppliedRate | DomainError {
  const regionKey = region ? `${country}-${region.toUpperCase()}` : undefined;
  const override =
    (regionKey !== undefined ? settings.rateOverrides[regionKey] : undefined) ??
    settings.rateOverrides[country];
  if (override !== undefined)
    return { country, ratePercent: override, taxType: 'override', source: 'operator override' };
  const fromTable = lookupSourceRate(country, region, at);
  if (!fromTable)
    return paymentError('TAX_RATE_UNKNOWN', `no tax rate known for ${country}; set an operator override`, {
      country,
    });
  return { country, ...fromTable };
}

/**
 * Where tax is due and at which rate (digital services, simplified to the rules an operator needs):
 * - EU seller, EU business buyer with a VAT id in another member state → reverse charge, 0 %.
 * - Buyer in the seller's country → the domestic rate.
 * - EU seller, EU consumer elsewhere → the buyer's rate when registered for OSS (or there), else the
 *   seller's own rate.
 * - Buyer in a country where the operator is registered → that country's rate.
 * - Otherwise no tax is charged (outside the scope of the seller's VAT).
 */
function placeOfTax(
  profile: BillingProfile,
  settings: TaxSettings,
): { treatment: TaxSnapshot['treatment']; country: string | null; region?: string } {
  const seller = settings.sellerCountry;
  const buyer = profile.country;
  const sellerEu = isEuMemberState(seller);
  const buyerEu = isEuMemberState(buyer);
  if (sellerEu && buyerEu && buyer !== seller && profile.vatId)
    return { treatment: 'reverse_charge', country: null };
  if (buyer === seller) return { treatment: 'standard', country: buyer, region: profile.region };
  if (sellerEu && buyerEu) {
    const registered = settings.registrations.includes('EU_OSS') || settings.registrations.includes(buyer);
    return registered
      ? { treatment: 'standard', country: buyer }
      : { treatment: 'standard', country: seller };
  }
  if (settings.registrations.includes(buyer))
    return { treatment: 'standard', country: buyer, region: profile.region };
  return { treatment: 'outside_scope', country: null };
}

/** Net, tax and gross for one price, rounded once, half-up, to the currency's minor unit. */
export function splitTax(
  price: Money,
  ratePercent: string,
  taxMode: 'exclusive' | 'inclusive',
): { net: bigint; tax: bigint; gross: bigint } {
  if (taxMode === 'exclusive') {
    const tax = percentOfMoney(price, ratePercent).amountMinor;
    return { net: price.amountMinor, tax, gross: price.amountMinor + tax };
  }
  const rate = parseDecimal(ratePercent, { what: 'tax rate' });
  const hundred = 100n * pow10(rate.scale);
  const net = divRoundHalfUp(price.amountMinor * hundred, hundred + rate.numerator);
  return { net, tax: price.amountMinor - net, gross: price.amountMinor };
}

export function computeTaxSnapshot(input: TaxInput): TaxSnapshot | DomainError {
  const { price, taxMode, profile, settings, at } = input;
  if (price.amountMinor < 0n) return paymentError('INVALID_PACKAGE', 'price must not be negative');
  const place = placeOfTax(profile, settings);
  const base = {
    taxMode,
    sellerCountry: settings.sellerCountry,
    buyerCountry: profile.country,
    ...(profile.region ? { buyerRegion: profile.region } : {}),
    ...(profile.vatId ? { buyerVatId: profile.vatId } : {}),
    currency: price.currency,
    computedAt: at.toISOString(),
  };
  if (place.country === null) {
    return {
      ...base,
      treatment: place.treatment,
      taxCountry: null,
      taxType: 'none',
      ratePercent: '0',
      rateSource: place.treatment === 'reverse_charge' ? 'reverse charge' : 'outside scope',
      netMinor: price.amountMinor.toString(),
      taxMinor: '0',
      grossMinor: price.amountMinor.toString(),
      note: place.treatment === 'reverse_charge' ? REVERSE_CHARGE_NOTE : OUTSIDE_SCOPE_NOTE,
    };
  }
  const rate = resolveRate(place.country, place.region, settings, at);
  if (rate instanceof DomainError) return rate;
  const { net, tax, gross } = splitTax(price, rate.ratePercent, taxMode);
  return {
    ...base,
    treatment: 'standard',
    taxCountry: rate.country,
    taxType: rate.taxType,
    ratePercent: rate.ratePercent,
    rateSource: rate.source,
    netMinor: net.toString(),
    taxMinor: tax.toString(),
    grossMinor: gross.toString(),
  };
}
