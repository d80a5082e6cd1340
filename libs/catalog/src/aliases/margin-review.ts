import {
  applyMarkup,
  compareDecimals,
  costNanocredits,
  parseDecimal,
  percentFloor,
  type TokenCounts,
  type TokenPrices,
} from '@tollgate/money';
import type { DeploymentSpec, MarginReviewLine, SellPriceSpec, TokenCost } from '../events';

/**
 * The reference mix a margin is computed on: one million tokens split as a typical chat workload —
 * 600k uncached input, 100k cached input, 300k output. Cost and price of this mix are exact
 * nanocredits; margin % = (price − cost) / price × 100, rounded DOWN to 2 decimals (a margin is never
 * shown better than it is). A price of zero gives no margin (null), which blocks like a negative one.
 */
export const REFERENCE_TOKEN_MIX: Readonly<TokenCounts> = Object.freeze({
  inputTokens: 600_000,
  cachedInputTokens: 100_000,
  outputTokens: 300_000,
});

const MARGIN_DECIMALS = 2;

function toPrices(cost: TokenCost): TokenPrices {
  return {
    inputPerMillion: cost.inputPerMillion,
    ...(cost.cachedInputPerMillion !== null ? { cachedInputPerMillion: cost.cachedInputPerMillion } : {}),
    outputPerMillion: cost.outputPerMillion,
  };
}

/** The per-million price a sell price works out to on a deployment of this cost (null: cannot price). */
export function pricePerMillion(price: SellPriceSpec | null, cost: TokenCost | null): TokenCost | null {
  if (!price) return null;
  switch (price.kind) {
    case 'per_million':
      return {
        inputPerMillion: price.inputPerMillion,
        cachedInputPerMillion: price.cachedInputPerMillion,
        outputPerMillion: price.outputPerMillion,
      };
    case 'markup':
      if (!cost) return null;
      return {
        inputPerMillion: applyMarkup(cost.inputPerMillion, price.markupPercent),
        cachedInputPerMillion: applyMarkup(
          cost.cachedInputPerMillion ?? cost.inputPerMillion,
          price.markupPercent,
        ),
        outputPerMillion: applyMarkup(cost.outputPerMillion, price.markupPercent),
      };
    default: {
      const never: never = price;
      throw new Error(`unknown sell price ${JSON.stringify(never)}`);
    }
  }
}

/** Margin % of price on the reference mix as a decimal string ("28.57", "-20.00"), null when unknown. */
export function marginPercent(cost: TokenCost | null, price: TokenCost | null): string | null {
  if (!cost || !price) return null;
  const costN = costNanocredits(REFERENCE_TOKEN_MIX, toPrices(cost));
  const priceN = costNanocredits(REFERENCE_TOKEN_MIX, toPrices(price));
  if (priceN <= 0n) return null;
  return percentFloor(priceN - costN, priceN, MARGIN_DECIMALS);
}

/** One review line per deployment, from the cost and price in force. */
export function reviewLines(
  deployments: readonly DeploymentSpec[],
  costOf: (d: DeploymentSpec) => TokenCost | null,
  price: SellPriceSpec | null,
): MarginReviewLine[] {
  return deployments.map((d) => {
    const cost = costOf(d);
    const sell = pricePerMillion(price, cost);
    return {
      deploymentId: d.deploymentId,
      providerId: d.providerId,
      upstreamModel: d.upstreamModel,
      cost,
      price: sell,
      marginPercent: marginPercent(cost, sell),
    };
  });
}

/** Lines whose margin is unknown, negative, or below the threshold: each blocks opening. */
export function blockingLines(
  lines: readonly MarginReviewLine[],
  thresholdPercent: string,
): MarginReviewLine[] {
  const threshold = parseDecimal(thresholdPercent);
  const zero = parseDecimal('0');
  return lines.filter((l) => {
    if (l.marginPercent === null) return true;
    const m = parseDecimal(l.marginPercent);
    return compareDecimals(m, zero) < 0 || compareDecimals(m, threshold) < 0;
  });
}
