import type { Pool } from 'pg';
import { CORRECTION_STREAM_PREFIX, parseCorrectionEvent, windowCovers } from '@tollgate/catalog';
import { formatPosition, type EventStore, type RecordedEvent } from '@tollgate/event-store';
import { ledgerEvent } from '../read-models/facts';

/** A cost or price correction as an account's replay shows it. */
export interface ReplayCorrection {
  correctionId: string;
  kind: 'cost' | 'price';
  /** `p1/gpt-x` (cost) or the alias (price). */
  target: string;
  from: string;
  to: string | null;
  reason: string;
  actor: string;
  at: string;
  rerate: boolean;
  position: string;
  /** This account's requests inside the window and on the target. */
  requestsAffected: number;
  /** The re-rating entry on this account's stream, if any (adjustment id and signed amount). */
  adjustment: { adjustmentId: string; amountNanocredits: bigint } | null;
}

/** Corrections read per replay (the rest are left out, oldest first). */
const MAX_CORRECTIONS = 1000;

/**
 * The corrections of the store that concern the account: those whose window covers one of its
 * requests on the corrected target, and those it was re-rated for (CreditsAdjusted with the correction
 * id as reference). Read from the `correction-{id}` streams; empty on stores without a stream index.
 */
export async function correctionsTouching(
  store: EventStore,
  pool: Pool,
  history: readonly RecordedEvent[],
): Promise<ReplayCorrection[]> {
  const { rows: has } = await pool.query<{ t: string | null }>(`SELECT to_regclass('streams')::text AS t`);
  if (!has[0]?.t) return [];
  const { rows } = await pool.query<{ stream_id: string }>(
    `SELECT stream_id FROM streams WHERE stream_id LIKE $1 ORDER BY stream_id LIMIT ${MAX_CORRECTIONS}`,
    [`${CORRECTION_STREAM_PREFIX}%`],
  );
  const usage: { provider: string; model: string; alias: string; atMs: number }[] = [];
  const adjustments = new Map<string, { adjustmentId: string; amountNanocredits: bigint }>();
  for (const e of history) {
    const parsed = ledgerEvent(e);
    if (parsed?.type === 'UsageRecorded')
      usage.push({
        provider: parsed.data.provider,
        model: parsed.data.upstreamModel,
        alias: parsed.data.alias,
        atMs: Date.parse(parsed.data.occurredAt),
      });
    else if (parsed?.type === 'CreditsAdjusted' && parsed.data.reference)
      adjustments.set(parsed.data.reference, {
        adjustmentId: parsed.data.adjustmentId,
        amountNanocredits: BigInt(parsed.data.amountNanocredits),
      });
  }
  const out: ReplayCorrection[] = [];
  for (const { stream_id } of rows) {
    const [recorded] = await store.readStream(stream_id, { maxCount: 1 });
    const c = recorded ? parseCorrectionEvent(recorded.type, recorded.data) : null;
    if (!recorded || !c) continue;
    const d = c.data;
    const fromMs = Date.parse(d.from);
    const toMs = d.to === null ? null : Date.parse(d.to);
    const hits = usage.filter(
      (u) =>
        windowCovers(fromMs, toMs, u.atMs) &&
        (c.type === 'CostProfileCorrected'
          ? u.provider === c.data.providerId && u.model === c.data.upstreamModel
          : u.alias === c.data.alias),
    ).length;
    const adjustment = adjustments.get(d.correctionId) ?? null;
    if (hits === 0 && !adjustment) continue;
    out.push({
      correctionId: d.correctionId,
      kind: c.type === 'CostProfileCorrected' ? 'cost' : 'price',
      target:
        c.type === 'CostProfileCorrected' ? `${c.data.providerId}/${c.data.upstreamModel}` : c.data.alias,
      from: d.from,
      to: d.to,
      reason: d.reason,
      actor: d.actor,
      at: d.at,
      rerate: d.rerate,
      position: formatPosition(recorded.position),
      requestsAffected: hits,
      adjustment,
    });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
