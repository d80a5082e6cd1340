import {
  emptyCostHistory,
  emptyPriceHistory,
  withProposedCorrection,
  type CorrectionCommand,
  type CostHistory,
  type PriceHistory,
} from '@tollgate/catalog';
import { costKey } from '../read-models/margins.projection';
import { chargeUnder, providerCost, rerateDeltaNanocredits, type RatedRequest } from './rating';
import type { CorrectionTarget } from './queries';

/**
 * What a correction would do, before it is applied: requests affected, provider cost and margin
 * before/after and, when re-rating, the charge difference per workspace. Pure: rows are fed in pages
 * (`add`), histories come from the margins read model.
 */
export interface WorkspaceChargeDelta {
  workspaceId: string;
  accountId: string;
  requests: number;
  /** New charge − old charge: positive = the customer owes more (a debit adjustment). */
  chargeDeltaNanocredits: bigint;
}

export interface PreviewResult {
  correctionId: string;
  target: CorrectionTarget;
  fromMs: number;
  toMs: number | null;
  rerate: boolean;
  requests: number;
  costBeforeNanocredits: bigint;
  costAfterNanocredits: bigint;
  /** Effective price (charge plus re-rating) before and after. */
  priceBeforeNanocredits: bigint;
  priceAfterNanocredits: bigint;
  marginBeforeNanocredits: bigint;
  marginAfterNanocredits: bigint;
  /** Only when re-rating; sorted by workspace id. */
  workspaces: WorkspaceChargeDelta[];
  /**
   * Events the margins read model had not projected when the preview read it (counted up to 10,000):
   * requests recorded since are not in the figures. 0 when caught up.
   */
  lagEvents: number;
}

export function targetOf(c: CorrectionCommand): CorrectionTarget {
  return c.type === 'CorrectCostProfile'
    ? { kind: 'cost', providerId: c.providerId, upstreamModel: c.upstreamModel }
    : { kind: 'price', alias: c.alias };
}

export function windowOf(c: CorrectionCommand): { fromMs: number; toMs: number | null } {
  return { fromMs: Date.parse(c.from), toMs: c.to === null ? null : Date.parse(c.to) };
}

/** The history as it was before this correction (a re-preview after applying leaves it out). */
function without<H extends CostHistory | PriceHistory>(h: H, correctionId: string): H {
  return h.corrections.some((c) => c.correctionId === correctionId)
    ? { ...h, corrections: h.corrections.filter((c) => c.correctionId !== correctionId) }
    : h;
}

export class CorrectionPreview {
  private readonly before = {
    costs: new Map<string, CostHistory>(),
    prices: new Map<string, PriceHistory>(),
  };
  private readonly after = { costs: new Map<string, CostHistory>(), prices: new Map<string, PriceHistory>() };
  private readonly perAccount = new Map<string, WorkspaceChargeDelta>();
  private readonly totals = {
    requests: 0,
    costBefore: 0n,
    costAfter: 0n,
    priceBefore: 0n,
    priceAfter: 0n,
  };

  constructor(
    private readonly correction: CorrectionCommand,
    costs: ReadonlyMap<string, CostHistory>,
    prices: ReadonlyMap<string, PriceHistory>,
  ) {
    const { fromMs, toMs } = windowOf(correction);
    const base = {
      correctionId: correction.correctionId,
      fromMs,
      toMs,
      reason: correction.reason,
      rerate: correction.rerate,
      actor: correction.actor,
      atMs: Date.parse(correction.now),
    };
    for (const [k, h] of costs) {
      this.before.costs.set(k, without(h, correction.correctionId));
      this.after.costs.set(k, h);
    }
    for (const [k, h] of prices) {
      this.before.prices.set(k, without(h, correction.correctionId));
      this.after.prices.set(k, h);
    }
    // Already applied: "after" is the history as it stands, the correction in its place. Otherwise on top.
    if (correction.type === 'CorrectCostProfile') {
      const k = costKey(correction.providerId, correction.upstreamModel);
      const h = this.after.costs.get(k) ?? emptyCostHistory(correction.providerId, correction.upstreamModel);
      if (!this.before.costs.has(k)) this.before.costs.set(k, h);
      if (!h.corrections.some((c) => c.correctionId === correction.correctionId))
        this.after.costs.set(k, withProposedCorrection(h, { ...base, value: correction.cost }));
    } else {
      const h = this.after.prices.get(correction.alias) ?? emptyPriceHistory(correction.alias);
      if (!this.before.prices.has(correction.alias)) this.before.prices.set(correction.alias, h);
      if (!h.corrections.some((c) => c.correctionId === correction.correctionId))
        this.after.prices.set(
          correction.alias,
          withProposedCorrection(h, { ...base, value: correction.price }),
        );
    }
  }

  /**
   * One affected request (the caller selects the target's requests inside the window).
   * `recordedAfterCorrection`: the request was recorded after the correction was appended, so the
   * gateway may have charged it the corrected price already (its catalog uses corrections in force);
   * when its charge is exactly that, it owes no difference.
   */
  add(r: RatedRequest, recordedAfterCorrection = false): void {
    const k = costKey(r.provider, r.upstreamModel);
    const costBefore = providerCost(r, this.before.costs.get(k)).costNanocredits;
    const costAfter = providerCost(r, this.after.costs.get(k)).costNanocredits;
    let deltaBefore = rerateDeltaNanocredits(r, this.before.costs.get(k), this.before.prices.get(r.alias));
    let deltaAfter = rerateDeltaNanocredits(r, this.after.costs.get(k), this.after.prices.get(r.alias));
    if (
      recordedAfterCorrection &&
      deltaAfter !== deltaBefore &&
      chargeUnder(r, this.after.costs.get(k), this.after.prices.get(r.alias)) === r.chargedNanocredits
    ) {
      deltaBefore = 0n;
      deltaAfter = 0n;
    }
    this.totals.requests += 1;
    this.totals.costBefore += costBefore;
    this.totals.costAfter += costAfter;
    this.totals.priceBefore += r.chargedNanocredits + deltaBefore;
    this.totals.priceAfter += r.chargedNanocredits + deltaAfter;
    if (this.correction.rerate) {
      let w = this.perAccount.get(r.accountId);
      if (!w) {
        w = { workspaceId: r.workspaceId, accountId: r.accountId, requests: 0, chargeDeltaNanocredits: 0n };
        this.perAccount.set(r.accountId, w);
      }
      w.requests += 1;
      w.chargeDeltaNanocredits += deltaAfter - deltaBefore;
    }
  }

  result(): PreviewResult {
    const { fromMs, toMs } = windowOf(this.correction);
    const t = this.totals;
    return {
      correctionId: this.correction.correctionId,
      target: targetOf(this.correction),
      fromMs,
      toMs,
      rerate: this.correction.rerate,
      requests: t.requests,
      costBeforeNanocredits: t.costBefore,
      costAfterNanocredits: t.costAfter,
      priceBeforeNanocredits: t.priceBefore,
      priceAfterNanocredits: t.priceAfter,
      marginBeforeNanocredits: t.priceBefore - t.costBefore,
      marginAfterNanocredits: t.priceAfter - t.costAfter,
      lagEvents: 0,
      workspaces: [...this.perAccount.values()].sort((a, b) =>
        a.workspaceId < b.workspaceId
          ? -1
          : a.workspaceId > b.workspaceId
            ? 1
            : a.accountId < b.accountId
              ? -1
              : 1,
      ),
    };
  }
}
