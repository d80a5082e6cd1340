import type { CorrectionCommand, SellPriceSpec, TokenCost } from '@tollgate/catalog';

/** The flags of `tollgate corrections preview|apply` (commander's camel-cased names). */
export interface CorrectionOptions {
  id: string;
  provider?: string;
  model?: string;
  alias?: string;
  from: string;
  to?: string;
  inputPerMillion?: string;
  cachedPerMillion?: string;
  outputPerMillion?: string;
  markup?: string;
  reason: string;
  rerate?: boolean;
  actor?: string;
}

export class CorrectionUsageError extends Error {
  readonly code = 'USAGE';
}

function instant(text: string, flag: string): string {
  // A date alone means midnight UTC; anything else must carry its offset, so no local zone sneaks in.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00.000Z` : text;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(iso) ||
    Number.isNaN(Date.parse(iso))
  )
    throw new CorrectionUsageError(
      `${flag}: expected YYYY-MM-DD or an ISO time with offset, got ${JSON.stringify(text)}`,
    );
  return new Date(iso).toISOString();
}

function tokenCost(o: CorrectionOptions): TokenCost {
  if (!o.inputPerMillion || !o.outputPerMillion)
    throw new CorrectionUsageError(
      'give --input-per-million and --output-per-million (credits per million tokens)',
    );
  return {
    inputPerMillion: o.inputPerMillion,
    cachedInputPerMillion: o.cachedPerMillion ?? null,
    outputPerMillion: o.outputPerMillion,
  };
}

/**
 * Turns the flags into a correction command: `--provider/--model` correct a cost profile, `--alias` a
 * sell price (`--markup` or per-million prices). The decider validates the values themselves.
 */
export function correctionFromOptions(o: CorrectionOptions, now: Date): CorrectionCommand {
  const common = {
    correctionId: o.id,
    from: instant(o.from, '--from'),
    to: o.to ? instant(o.to, '--to') : null,
    reason: o.reason,
    rerate: o.rerate === true,
    actor: o.actor ?? 'cli',
    now: now.toISOString(),
  };
  if (o.provider || o.model) {
    if (o.alias)
      throw new CorrectionUsageError('give either --provider/--model (cost) or --alias (price), not both');
    if (!o.provider || !o.model)
      throw new CorrectionUsageError('a cost correction needs --provider and --model');
    if (o.markup) throw new CorrectionUsageError('--markup is for price corrections (--alias)');
    return {
      type: 'CorrectCostProfile',
      ...common,
      providerId: o.provider,
      upstreamModel: o.model,
      cost: tokenCost(o),
    };
  }
  if (!o.alias)
    throw new CorrectionUsageError(
      'give --provider and --model (cost correction) or --alias (price correction)',
    );
  let price: SellPriceSpec;
  if (o.markup !== undefined) {
    if (o.inputPerMillion || o.outputPerMillion || o.cachedPerMillion)
      throw new CorrectionUsageError('give either --markup or per-million prices, not both');
    price = { kind: 'markup', markupPercent: o.markup };
  } else price = { kind: 'per_million', ...tokenCost(o) };
  return { type: 'CorrectPrice', ...common, alias: o.alias, price };
}
