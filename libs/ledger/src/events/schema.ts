import { z } from 'zod';
import { isCurrencyCode, isIntegerString, isNonNegativeIntegerString } from '@tollgate/money';
import { MalformedEventError } from '../errors';

/** Shared payload pieces. Amounts travel as canonical integer decimal strings, never numbers. */
export const nanocreditsString = z
  .string()
  .refine(isIntegerString, 'expected an integer string of nanocredits');
export const nonNegativeNanocreditsString = z
  .string()
  .refine(isNonNegativeIntegerString, 'expected a non-negative integer string of nanocredits');
export const positiveNanocreditsString = z
  .string()
  .refine(
    (s) => isNonNegativeIntegerString(s) && s !== '0',
    'expected a positive integer string of nanocredits',
  );
export const minorUnitsString = z
  .string()
  .refine(isIntegerString, 'expected an integer string of minor units');
export const currencyCode = z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code');
export const isoTimestamp = z.iso.datetime({ offset: true });
export const id = z.string().min(1).max(200);
export const shortText = z.string().min(1).max(500);
/** sha256 hex of the command's significant data (see idempotency.ts). */
export const fingerprint = z.string().regex(/^[0-9a-f]{64}$/);
export const idempotencyKey = z.string().min(1).max(300);
/** Payload schema version; absent means 1. Bump it (and add an upcaster) when a payload changes shape. */
export const eventVersion = z.number().int().min(1).optional();

/** Upgrades a payload of `fromVersion` to `fromVersion + 1`. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;
/** type → fromVersion → upcaster. */
export type UpcasterMap = Record<string, Record<number, Upcaster>>;

/** Bound on upcasting steps, so a bad map cannot loop forever. */
const MAX_UPCAST_STEPS = 50;

export interface ParsedEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

/**
 * Builds a parser for one family of events: upcasts old payload versions, then validates with zod.
 * Unknown types → null (other streams' events pass by); a known type with bad data → MalformedEventError.
 */
export function createEventParser<TEvent extends ParsedEvent>(
  schemas: Record<string, z.ZodType>,
  currentVersions: Record<string, number>,
  upcasters: UpcasterMap,
): (type: string, data: unknown) => TEvent | null {
  return (type, data) => {
    const schema = Object.prototype.hasOwnProperty.call(schemas, type) ? schemas[type] : undefined;
    if (!schema) return null;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new MalformedEventError(type, 'data is not an object');
    let payload = data as Record<string, unknown>;
    const target = currentVersions[type] ?? 1;
    let version = typeof payload.eventVersion === 'number' ? payload.eventVersion : 1;
    for (let steps = 0; version < target; steps++) {
      const up = upcasters[type]?.[version];
      if (!up || steps >= MAX_UPCAST_STEPS)
        throw new MalformedEventError(type, `no upcaster from version ${version} to ${target}`);
      payload = { ...up(payload), eventVersion: version + 1 };
      version += 1;
    }
    if (version > target)
      throw new MalformedEventError(type, `version ${version} is newer than this code knows (${target})`);
    const result = schema.safeParse(payload);
    if (!result.success)
      throw new MalformedEventError(
        type,
        result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      );
    return { type, data: result.data } as TEvent;
  };
}
