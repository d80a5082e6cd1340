import { effectiveAt, type History, type PlainVersion } from './corrections/history';

/**
 * The versions of a cost or price as the gateway's snapshot holds them (newest effective time first,
 * picked by "first version with effectiveAt ≤ now"), with a correction that covers `nowMs` folded in:
 * it is placed just above the plain version in force, so it wins from now on while later scheduled
 * versions still take over at their time. The snapshot is reloaded every few seconds, so a window that
 * ends (or starts) later is picked up then.
 */
export function versionsInForce<T>(history: History<T>, nowMs: number): PlainVersion<T>[] {
  const newestFirst = [...history.versions].sort(
    (a, b) => b.effectiveAtMs - a.effectiveAtMs || b.version - a.version,
  );
  const ascending = [...newestFirst].reverse();
  const eff = effectiveAt({ versions: ascending, corrections: history.corrections }, nowMs);
  if (!eff || eff.source.kind !== 'correction') return newestFirst;
  const correctionId = eff.source.correctionId;
  const window = history.corrections.find((c) => c.correctionId === correctionId);
  const at = newestFirst.findIndex((v) => v.effectiveAtMs <= nowMs);
  const plain = at >= 0 ? newestFirst[at] : null;
  const synthetic: PlainVersion<T> = {
    version: plain?.version ?? 0,
    effectiveAtMs: Math.max(window?.fromMs ?? nowMs, plain?.effectiveAtMs ?? Number.MIN_SAFE_INTEGER),
    value: eff.value,
  };
  const insertAt = at >= 0 ? at : newestFirst.length;
  return [...newestFirst.slice(0, insertAt), synthetic, ...newestFirst.slice(insertAt)];
}
