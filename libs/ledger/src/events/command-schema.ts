import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { ledgerError } from '../errors';

/** Shared pieces of command schemas. Commands are in-process objects: amounts are bigints. */
export const commandId = z.string().min(1).max(200);
export const commandText = z.string().min(1).max(500);
export const commandIdempotencyKey = z.string().min(1).max(300);
export const commandNow = z.iso.datetime({ offset: true });
/**
 * Largest amount one command may move: one billion credits. Read models keep balances in Postgres
 * bigint (≈ 9.2e18 nanocredits), so an unbounded amount could stop a projection; no real purchase,
 * grant or charge comes near this.
 */
export const MAX_COMMAND_AMOUNT_NANOCREDITS = 1_000_000_000n * 1_000_000_000n;
const amountBound = `at most ${MAX_COMMAND_AMOUNT_NANOCREDITS} nanocredits (1,000,000,000 credits)`;
export const positiveNanocredits = z.bigint().positive().max(MAX_COMMAND_AMOUNT_NANOCREDITS, amountBound);
export const nonNegativeNanocredits = z
  .bigint()
  .nonnegative()
  .max(MAX_COMMAND_AMOUNT_NANOCREDITS, amountBound);
/** A signed, non-zero amount within the same bound either way. */
export const signedNanocredits = z
  .bigint()
  .refine((v) => v !== 0n, 'adjustment must not be zero')
  .refine((v) => v <= MAX_COMMAND_AMOUNT_NANOCREDITS && v >= -MAX_COMMAND_AMOUNT_NANOCREDITS, amountBound);

/** Validates a command against its schema; INVALID_COMMAND with the issues otherwise. */
export function validateCommand(schema: z.ZodType, command: unknown): DomainError | null {
  const result = schema.safeParse(command);
  if (result.success) return null;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return ledgerError('INVALID_COMMAND', `invalid command: ${issues.join('; ')}`, { issues });
}
