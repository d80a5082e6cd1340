import { z } from 'zod';
import { id, isoTimestamp, shortText } from '@tollgate/ledger';
import { SellPriceSpecSchema, TokenCostSchema } from '../events';

/** A correction is its own stream: applying the same correction id again is a no-op. */
export const CORRECTION_STREAM_PREFIX = 'correction-';

export function correctionStream(correctionId: string): string {
  return CORRECTION_STREAM_PREFIX + correctionId;
}

/** Correction ids end up in stream names, adjustment ids and URLs: keep them plain. */
export const correctionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'correction id: letters, digits, . _ : - (max 100)');

const window = {
  from: isoTimestamp,
  /** null: open-ended. */
  to: isoTimestamp.nullable(),
};

const base = {
  correctionId,
  ...window,
  reason: shortText,
  /** Re-rate customers (compensating CreditsAdjusted per workspace); off by default. */
  rerate: z.boolean().default(false),
  actor: id,
  /** Caller's clock (ISO); deciders never read the time. */
  now: isoTimestamp,
};

export const CorrectCostProfileSchema = z.object({
  type: z.literal('CorrectCostProfile'),
  ...base,
  providerId: id,
  upstreamModel: id,
  cost: TokenCostSchema,
});

export const CorrectPriceSchema = z.object({
  type: z.literal('CorrectPrice'),
  ...base,
  alias: id,
  price: SellPriceSpecSchema,
});

export const CorrectionCommandSchema = z.discriminatedUnion('type', [
  CorrectCostProfileSchema,
  CorrectPriceSchema,
]);

export type CorrectCostProfile = z.infer<typeof CorrectCostProfileSchema>;
export type CorrectPrice = z.infer<typeof CorrectPriceSchema>;
export type CorrectionCommand = z.infer<typeof CorrectionCommandSchema>;
