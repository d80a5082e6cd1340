import { DomainError } from '@tollgate/event-store';

/** Who asks and when; deciders never read the clock themselves. */
export interface CommandActor {
  actor: string;
  /** ISO timestamp of the caller's clock. */
  now: string;
}

export function rejected(code: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(code, message, details);
}

/** Order-insensitive equality of optional string lists (null = "all"). */
export function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}
