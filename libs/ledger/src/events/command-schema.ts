import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { ledgerError } from '../errors';

/** Shared pieces of command schemas. Commands are in-process objects: amounts are bigints. */
export const commandId = z.string().min(1).max(200);
export const commandText = z.string().min(1).max(500);
export const commandIdempotencyKey = z.string().min(1).max(300);
export const commandNow = z.iso.datetime({ offset: true });
export const positiveNanocredits = z.bigint().positive();
export const nonNegativeNanocredits = z.bigint().nonnegative();

/** Validates a command against its schema; INVALID_COMMAND with the issues otherwise. */
export function validateCommand(schema: z.ZodType, command: unknown): DomainError | null {
  const result = schema.safeParse(command);
  if (result.success) return null;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return ledgerError('INVALID_COMMAND', `invalid command: ${issues.join('; ')}`, { issues });
}
