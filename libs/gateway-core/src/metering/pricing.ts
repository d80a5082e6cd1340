import { applyMarkup, costNanocredits, maxCostNanocredits, type TokenPrices } from '@tollgate/money';
import type { TokenUsage } from './usage';

/** How an alias is sold: a markup (percent, decimal string) on the serving deployment's cost, or fixed prices. */
export type SellPrice =
  { kind: 'markup'; markupPercent: string } | { kind: 'per_million'; prices: TokenPrices };

/** The per-million prices a sell price works out to on a deployment with these costs (null: cannot price). */
export function sellPricesPerMillion(sell: SellPrice, cost: TokenPrices | null): TokenPrices | null {
  switch (sell.kind) {
    case 'per_million':
      return sell.prices;
    case 'markup':
      if (!cost) return null;
      return {
        inputPerMillion: applyMarkup(cost.inputPerMillion, sell.markupPercent),
        cachedInputPerMillion: applyMarkup(
          cost.cachedInputPerMillion ?? cost.inputPerMillion,
          sell.markupPercent,
        ),
        outputPerMillion: applyMarkup(cost.outputPerMillion, sell.markupPercent),
      };
    default: {
      const never: never = sell;
      throw new Error(`unknown sell price ${JSON.stringify(never)}`);
    }
  }
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
