/** What a versioned stream (cost profile, sell price) remembers: its newest version. */
export interface LatestVersion<T> {
  version: number;
  effectiveAt: string;
  value: T;
}

/** Stable JSON for equality of small values (keys sorted, nulls kept). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
    .join(',')}}`;
}

/** Effective time of a new version: now unless given; refused when before now or the newest version. */
export function nextEffectiveAt(
  requested: string | null,
  now: string,
  latest: LatestVersion<unknown> | null,
): { effectiveAt: string } | { error: string } {
  const effectiveAt = requested ?? now;
  const atMs = Date.parse(effectiveAt);
  if (!Number.isFinite(atMs)) return { error: `effectiveAt: not a timestamp: ${effectiveAt}` };
  if (atMs < Date.parse(now))
    return { error: 'effectiveAt: must not be in the past (a correction changes what was in force)' };
  if (latest && atMs < Date.parse(latest.effectiveAt))
    return { error: `effectiveAt: must not be before version ${latest.version} (${latest.effectiveAt})` };
  return { effectiveAt: new Date(atMs).toISOString() };
}
