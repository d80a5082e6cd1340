import { applyMarkup, costNanocredits, maxCostNanocredits, type TokenPrices } from '@tollgate/money';
import type { TokenUsage } from './usage';

/** How an alias is sold: a markup (percent, decimal string) on the serving deployment's cost, or fixed prices. */
export type SellPrice =
  { kind: 'markup'; markupPercent: string } | { kind: 'per_million'; prices: TokenPrices };

/** Marked-up prices per (sell price, cost) pair: catalog snapshots keep these objects, so this is hit per request. */
const markedUp = new WeakMap<SellPrice, WeakMap<TokenPrices, TokenPrices>>();

/** The per-million prices a sell price works out to on a deployment with these costs (null: cannot price). */
export function sellPricesPerMillion(sell: SellPrice, cost: TokenPrices | null): TokenPrices | null {
  switch (sell.kind) {
    case 'per_million':
      return sell.prices;
    case 'markup': {
      if (!cost) return null;
      let byCost = markedUp.get(sell);
      if (!byCost) {
        byCost = new WeakMap();
        markedUp.set(sell, byCost);
      }
      let prices = byCost.get(cost);
      if (!prices) {
        prices = markUp(sell.markupPercent, cost);
        byCost.set(cost, prices);
      }
      return prices;
    }
    default: {
      const never: never = sell;
      throw new Error(`unknown sell price ${JSON.stringify(never)}`);
    }
  }
}

function markUp(markupPercent: string, cost: TokenPrices): TokenPrices {
  return {
    inputPerMillion: applyMarkup(cost.inputPerMillion, markupPercent),
    cachedInputPerMillion: applyMarkup(cost.cachedInputPerMillion ?? cost.inputPerMillion, markupPercent),
    outputPerMillion: applyMarkup(cost.outputPerMillion, markupPercent),
  };
}

/**
 * Exact nanocredits for a usage at given prices: (prompt − cached) at the input price, cached at the
 * cached price, completion (reasoning included, once) at the output price; rounded once, half-up.
 */
export function chargeNanocredits(usage: TokenUsage, prices: TokenPrices): bigint {
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  return costNanocredits(
    {
      inputTokens: usage.promptTokens - cached,
      cachedInputTokens: cached,
      outputTokens: usage.completionTokens,
    },
    prices,
  );
}

/** Upper bound of a request's price before it runs: every prompt token uncached, every output token used. */
export function worstCaseNanocredits(
  promptTokensBound: number,
  maxOutputTokens: number,
  prices: TokenPrices,
): bigint {
  return maxCostNanocredits(promptTokensBound, maxOutputTokens, prices);
}
