import { z } from 'zod';
import { countryCode, percentString } from '../schema';

/**
 * The operator's tax position. `registrations` lists where the operator is registered to collect tax
 * besides its own country; `EU_OSS` means the EU One-Stop-Shop (charge each member state's rate to EU
 * consumers). `rateOverrides` keys are a country ("DE") or country-region ("CA-ON"); they win over the
 * bundled table.
 */
export const TaxSettingsSchema = z.object({
  sellerCountry: countryCode,
  registrations: z
    .array(z.union([countryCode, z.literal('EU_OSS')]))
    .max(300)
    .default([]),
  rateOverrides: z.record(z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/), percentString).default({}),
});
export type TaxSettings = z.infer<typeof TaxSettingsSchema>;
export type TaxSettingsInput = z.input<typeof TaxSettingsSchema>;

export const REVERSE_CHARGE_NOTE =
  'Reverse charge: VAT to be accounted for by the recipient under Article 196 of Council Directive 2006/112/EC.';
export const OUTSIDE_SCOPE_NOTE =
  'Not subject to VAT/GST in the country of the supplier (place of supply outside its scope).';
