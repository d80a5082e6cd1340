import type { TokenPrices } from '@tollgate/money';
import type {
  CostProfileCorrected,
  CostProfileSet,
  PriceCorrected,
  SellPriceSet,
  SellPriceSpec,
  TokenCost,
} from '../events';

/**
 * What was in force when: plain versions (CostProfileSet / SellPriceSet) plus corrections over
 * [from, to) windows. Pure and immutable: folding returns a new history.
 *
 * Rule: the latest correction (in the order applied) whose window covers an instant wins over earlier
 * corrections and over plain versions; outside every correction window the plain version in force
 * applies (greatest effectiveAt ≤ instant, ties → higher version number, as the gateway's catalog does).
 */

export interface PlainVersion<T> {
  version: number;
  effectiveAtMs: number;
  value: T;
}

export interface CorrectionWindow<T> {
  correctionId: string;
  fromMs: number;
  /** null: open-ended. */
  toMs: number | null;
  value: T;
  reason: string;
  /** Whether customers were re-rated for it (compensating adjustments). */
  rerate: boolean;
  actor: string;
  atMs: number;
}

export interface History<T> {
  /** Sorted by effectiveAt ascending, then version ascending. */
  readonly versions: readonly PlainVersion<T>[];
  /** In the order applied (later wins). A correction id appears once: a re-delivery is ignored. */
  readonly corrections: readonly CorrectionWindow<T>[];
}

export type EffectiveSource =
  { kind: 'version'; version: number } | { kind: 'correction'; correctionId: string };

export interface Effective<T> {
  value: T;
  source: EffectiveSource;
}

export interface CostHistory extends History<TokenCost> {
  readonly providerId: string;
  readonly upstreamModel: string;
}

export interface PriceHistory extends History<SellPriceSpec> {
  readonly alias: string;
}

export type CostHistoryEvent =
  | { type: 'CostProfileSet'; data: CostProfileSet }
  | { type: 'CostProfileCorrected'; data: CostProfileCorrected };

export type PriceHistoryEvent =
  { type: 'SellPriceSet'; data: SellPriceSet } | { type: 'PriceCorrected'; data: PriceCorrected };

export class HistoryMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryMismatchError';
  }
}

function toMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new HistoryMismatchError(`${what}: not a timestamp: ${iso}`);
  return ms;
}

function withVersion<T>(history: History<T>, v: PlainVersion<T>): readonly PlainVersion<T>[] {
  // A re-delivered version (same number) replaces nothing: the first one stays.
  if (history.versions.some((x) => x.version === v.version)) return history.versions;
  const versions = [...history.versions, v];
  versions.sort((a, b) => a.effectiveAtMs - b.effectiveAtMs || a.version - b.version);
  return versions;
}

function withCorrection<T>(history: History<T>, c: CorrectionWindow<T>): readonly CorrectionWindow<T>[] {
  if (history.corrections.some((x) => x.correctionId === c.correctionId)) return history.corrections;
  if (c.toMs !== null && c.toMs <= c.fromMs)
    throw new HistoryMismatchError(`correction ${c.correctionId}: window end must be after its start`);
  return [...history.corrections, c];
}

export function emptyCostHistory(providerId: string, upstreamModel: string): CostHistory {
  return { providerId, upstreamModel, versions: [], corrections: [] };
}

export function emptyPriceHistory(alias: string): PriceHistory {
  return { alias, versions: [], corrections: [] };
}

/** Folds one cost event; events of another (provider, model) are refused, not silently mixed in. */
export function foldCostHistory(history: CostHistory, event: CostHistoryEvent): CostHistory {
  const d = event.data;
  if (d.providerId !== history.providerId || d.upstreamModel !== history.upstreamModel)
    throw new HistoryMismatchError(
      `${event.type} for ${d.providerId}/${d.upstreamModel} folded into ${history.providerId}/${history.upstreamModel}`,
    );
  switch (event.type) {
    case 'CostProfileSet':
      return {
        ...history,
        versions: withVersion(history, {
          version: event.data.version,
          effectiveAtMs: toMs(event.data.effectiveAt, 'effectiveAt'),
          value: event.data.cost,
        }),
      };
    case 'CostProfileCorrected':
      return {
        ...history,
        corrections: withCorrection(history, {
          correctionId: event.data.correctionId,
          fromMs: toMs(event.data.from, 'from'),
          toMs: event.data.to === null ? null : toMs(event.data.to, 'to'),
          value: event.data.cost,
          reason: event.data.reason,
          rerate: event.data.rerate,
          actor: event.data.actor,
          atMs: toMs(event.data.at, 'at'),
        }),
      };
    default: {
      const never: never = event;
      throw new HistoryMismatchError(`unknown cost event ${JSON.stringify(never)}`);
    }
  }
}

export function foldPriceHistory(history: PriceHistory, event: PriceHistoryEvent): PriceHistory {
  if (event.data.alias !== history.alias)
    throw new HistoryMismatchError(`${event.type} for ${event.data.alias} folded into ${history.alias}`);
  switch (event.type) {
    case 'SellPriceSet':
      return {
        ...history,
        versions: withVersion(history, {
          version: event.data.version,
          effectiveAtMs: toMs(event.data.effectiveAt, 'effectiveAt'),
          value: event.data.price,
        }),
      };
    case 'PriceCorrected':
      return {
        ...history,
        corrections: withCorrection(history, {
          correctionId: event.data.correctionId,
          fromMs: toMs(event.data.from, 'from'),
          toMs: event.data.to === null ? null : toMs(event.data.to, 'to'),
          value: event.data.price,
          reason: event.data.reason,
          rerate: event.data.rerate,
          actor: event.data.actor,
          atMs: toMs(event.data.at, 'at'),
        }),
      };
    default: {
      const never: never = event;
      throw new HistoryMismatchError(`unknown price event ${JSON.stringify(never)}`);
    }
  }
}

export function costHistoryOf(
  providerId: string,
  upstreamModel: string,
  events: readonly CostHistoryEvent[],
): CostHistory {
  return events.reduce(foldCostHistory, emptyCostHistory(providerId, upstreamModel));
}

export function priceHistoryOf(alias: string, events: readonly PriceHistoryEvent[]): PriceHistory {
  return events.reduce(foldPriceHistory, emptyPriceHistory(alias));
}

/** Whether a window [fromMs, toMs) covers an instant. */
export function windowCovers(fromMs: number, toMs: number | null, atMs: number): boolean {
  return fromMs <= atMs && (toMs === null || atMs < toMs);
}

/** The value in force at `atMs` and where it comes from; null when nothing was in force yet. */
export function effectiveAt<T>(history: History<T>, atMs: number): Effective<T> | null {
  for (let i = history.corrections.length - 1; i >= 0; i--) {
    const c = history.corrections[i];
    if (windowCovers(c.fromMs, c.toMs, atMs))
      return { value: c.value, source: { kind: 'correction', correctionId: c.correctionId } };
  }
  for (let i = history.versions.length - 1; i >= 0; i--) {
    const v = history.versions[i];
    if (v.effectiveAtMs <= atMs) return { value: v.value, source: { kind: 'version', version: v.version } };
  }
  return null;
}

export function effectiveCostAt(history: CostHistory, atMs: number): Effective<TokenCost> | null {
  return effectiveAt(history, atMs);
}

export function effectivePriceAt(history: PriceHistory, atMs: number): Effective<SellPriceSpec> | null {
  return effectiveAt(history, atMs);
}

/** The same history with one more correction on top (for previews: nothing is stored). */
export function withProposedCorrection<T, H extends History<T>>(
  history: H,
  correction: CorrectionWindow<T>,
): H {
  return { ...history, corrections: withCorrection(history, correction) };
}

/** A catalog TokenCost as the money library's TokenPrices (null cached price = same as input). */
export function tokenPricesOf(cost: TokenCost): TokenPrices {
  return cost.cachedInputPerMillion === null
    ? { inputPerMillion: cost.inputPerMillion, outputPerMillion: cost.outputPerMillion }
    : {
        inputPerMillion: cost.inputPerMillion,
        cachedInputPerMillion: cost.cachedInputPerMillion,
        outputPerMillion: cost.outputPerMillion,
      };
}
