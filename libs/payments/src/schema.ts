import { z } from 'zod';
import { isCurrencyCode, isIntegerString, isNonNegativeIntegerString } from '@tollgate/money';

/** Payload pieces shared by the payments events. Amounts are integer strings, never numbers. */
export const id = z.string().min(1).max(200);
export const shortText = z.string().min(1).max(500);
export const isoTimestamp = z.iso.datetime({ offset: true });
export const currencyCode = z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code');
export const minorUnitsString = z
  .string()
  .refine(isIntegerString, 'expected an integer string of minor units');
export const nonNegativeMinorString = z
  .string()
  .refine(isNonNegativeIntegerString, 'expected a non-negative integer string of minor units');
export const nonNegativeNanocreditsString = z
  .string()
  .refine(isNonNegativeIntegerString, 'expected a non-negative integer string of nanocredits');
export const positiveNanocreditsString = z
  .string()
  .refine((s) => isNonNegativeIntegerString(s) && s !== '0', 'expected a positive nanocredits string');
/** A percentage as decimal text: "19", "7.7". */
export const percentString = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,4})?$/, 'expected a percentage like "19" or "7.7"');
export const countryCode = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code');
export const idempotencyKey = z.string().min(1).max(300);
