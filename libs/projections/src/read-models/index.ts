import type { AnyProjection } from '../runtime/projection';
import { balancesProjection } from './balances.projection';
import { dailyUsageProjection } from './daily-usage.projection';
import { requestLogProjection } from './request-log.projection';
import { statementLinesProjection } from './statement-lines.projection';

export * from './facts';
export { balancesProjection, dailyUsageProjection, requestLogProjection, statementLinesProjection };

/** Every ledger read model, in the order status lists them. */
export const LEDGER_PROJECTIONS: readonly AnyProjection[] = [
  balancesProjection,
  statementLinesProjection,
  requestLogProjection,
  dailyUsageProjection,
];
