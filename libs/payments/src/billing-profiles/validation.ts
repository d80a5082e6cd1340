import countries from 'i18n-iso-countries';
import { checkVAT, countries as vatCountries } from 'jsvat';
import EU_REGION from 'sales-tax/res/region_countries.json';

/** EU member states, from the sales-tax package's maintained region list (not a hand-kept table). */
export const EU_MEMBER_STATES: ReadonlySet<string> = new Set((EU_REGION as { EU: string[] }).EU);

export function isEuMemberState(country: string): boolean {
  return EU_MEMBER_STATES.has(country);
}

export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

export type VatIdCheck =
  | { ok: true; normalized: string; country: string }
  | { ok: false; reason: 'INVALID_FORMAT' | 'COUNTRY_MISMATCH' | 'UNSUPPORTED_COUNTRY' };

/** jsvat names Greece EL; ISO says GR. */
function isoFromVatPrefix(prefix: string): string {
  return prefix === 'EL' ? 'GR' : prefix;
}

/**
 * Checks a VAT id's format and check digits with jsvat (EU and a few neighbours). Ids of countries
 * jsvat does not know (GST/ABN numbers etc.) are accepted as given after trimming: we only validate
 * what a maintained library can validate.
 */
export function checkVatId(raw: string, country: string): VatIdCheck {
  const compact = raw.replace(/[\s.-]/g, '').toUpperCase();
  const withPrefix = /^[A-Z]{2}/.test(compact) ? compact : `${country === 'GR' ? 'EL' : country}${compact}`;
  const result = checkVAT(withPrefix, vatCountries);
  if (!result.isSupportedCountry) {
    if (isEuMemberState(country)) return { ok: false, reason: 'INVALID_FORMAT' };
    return { ok: true, normalized: compact, country };
  }
  if (!result.isValid) return { ok: false, reason: 'INVALID_FORMAT' };
  const vatCountry = isoFromVatPrefix(withPrefix.slice(0, 2));
  if (vatCountry !== country) return { ok: false, reason: 'COUNTRY_MISMATCH' };
  return { ok: true, normalized: withPrefix, country };
}
