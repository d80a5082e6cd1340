import { createHash } from 'node:crypto';

/** Deterministic JSON: sorted keys, bigint as text, Dates as ISO. */
export function stableStringify(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of a command's significant data (without its clock and key). */
export function commandFingerprint(command: object): string {
  const significant: Record<string, unknown> = { ...command };
  delete significant.now;
  delete significant.idempotencyKey;
  return createHash('sha256').update(stableStringify(significant)).digest('hex');
}
