import { formatScaledTrimmed, parseDecimal, rescale } from '@tollgate/money';
import RATES from 'sales-tax/res/sales_tax_rates.json';
import SALES_TAX_PACKAGE from 'sales-tax/package.json';

/**
 * VAT/GST rates from the sales-tax package's bundled JSON, read directly: the package's own lookup
 * may call a VAT validation web service, this file never touches the network. Rates there are JSON
 * numbers (0.19); we turn their decimal text into an exact percentage string ("19") without float math.
 */
interface RateEntry {
  type: string;
  rate: number;
}
interface CountryRates extends RateEntry {
  before?: Record<string, RateEntry>;
  states?: Record<string, RateEntry>;
}

const TABLE = RATES as unknown as Record<string, CountryRates>;
export const RATE_SOURCE = `sales-tax@${(SALES_TAX_PACKAGE as { version: string }).version}`;
const PERCENT_SCALE = 6;

export interface SourceRate {
  /** Percentage as exact decimal text ("19", "7.7"). */
  ratePercent: string;
  taxType: string;
  source: string;
}

/** 0.077 → "7.7": shift the decimal text two places; the number is only ever printed, never multiplied. */
export function fractionToPercentScaled(fraction: number): bigint {
  const text = String(fraction);
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`unexpected rate in rate table: ${text}`);
  const d = parseDecimal(text, { what: 'tax rate' });
  return rescale({ numerator: d.numerator * 100n, scale: d.scale }, PERCENT_SCALE);
}

function entryAt(country: CountryRates, at: Date): RateEntry {
  // `before[date]` holds the rate that applied before that date; the earliest date still ahead wins.
  let chosen: RateEntry = country;
  let chosenDate: Date | null = null;
  for (const [dateText, entry] of Object.entries(country.before ?? {})) {
    const date = new Date(dateText);
    if (Number.isNaN(date.getTime())) continue;
    if (at < date && (chosenDate === null || date < chosenDate)) {
      chosen = entry;
      chosenDate = date;
    }
  }
  return chosen;
}

/** The country's (plus region's, where the table has one) rate at `at`, or null if the table lacks it. */
export function lookupSourceRate(country: string, region: string | undefined, at: Date): SourceRate | null {
  const entry = Object.prototype.hasOwnProperty.call(TABLE, country) ? TABLE[country] : undefined;
  if (!entry) return null;
  const current = entryAt(entry, at);
  let scaled = fractionToPercentScaled(current.rate);
  let taxType = current.type;
  const state = region && entry.states ? entry.states[region.toUpperCase()] : undefined;
  if (state) {
    scaled += fractionToPercentScaled(state.rate);
    taxType = current.rate > 0 ? `${current.type}+${state.type}` : state.type;
  }
  return { ratePercent: formatScaledTrimmed(scaled, PERCENT_SCALE), taxType, source: RATE_SOURCE };
}
