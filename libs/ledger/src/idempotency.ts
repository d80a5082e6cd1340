import { createHash } from 'node:crypto';

/**
 * Idempotency: every command carries an idempotency key; the events it produces carry that key plus a
 * fingerprint (sha256 of the command's significant data, as stable JSON). Replaying the key with the
 * same data yields no new events; with other data, IDEMPOTENCY_CONFLICT.
 *
 * Memory bound: a stream's state remembers the MAX_REMEMBERED_KEYS most recent keys (oldest evicted
 * first). Entities with their own ids (payments, grants, refunds, adjustments, leases) additionally keep
 * their fingerprint with the entity, so a replay of an old command is still recognised by that id even
 * after its key has been evicted.
 */
export const MAX_REMEMBERED_KEYS = 10_000;

/** Fields that never count as "the command's data": the key itself and the caller's clock. */
const NON_SIGNIFICANT = new Set(['idempotencyKey', 'now']);

/** JSON with sorted keys; bigints as decimal strings; undefined fields dropped (as JSON does). */
export function stableStringify(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('stableStringify: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => stableStringify(v ?? null)).join(',') + ']';
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableStringify(obj[k])).join(',') + '}';
    }
    default:
      throw new TypeError(`stableStringify: unsupported ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Fingerprint of a command: everything except its idempotency key and `now`. */
export function commandFingerprint(command: object): string {
  const significant: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(command)) if (!NON_SIGNIFICANT.has(k)) significant[k] = v;
  return sha256Hex(stableStringify(significant));
}

/** Fingerprint of arbitrary data (e.g. one usage record). */
export function dataFingerprint(data: unknown): string {
  return sha256Hex(stableStringify(data));
}

/** Records key → fingerprint, evicting the oldest entries beyond `limit` (Map keeps insertion order). */
export function rememberKey(
  keys: Map<string, string>,
  key: string,
  fingerprint: string,
  limit = MAX_REMEMBERED_KEYS,
): void {
  keys.delete(key);
  keys.set(key, fingerprint);
  while (keys.size > limit) {
    const oldest = keys.keys().next();
    if (oldest.done) break;
    keys.delete(oldest.value);
  }
}
