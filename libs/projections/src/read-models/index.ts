import type { Pool } from 'pg';
import type { AnyProjection } from '../runtime/projection';
import { ensureProjection, migrateProjectionRuntime } from '../runtime/schema';
import { balancesProjection } from './balances.projection';
import { dailyUsageProjection } from './daily-usage.projection';
import { requestLogProjection } from './request-log.projection';
import { statementLinesProjection } from './statement-lines.projection';

export * from './facts';
export * from './workspace-rules.projection';
export { balancesProjection, dailyUsageProjection, requestLogProjection, statementLinesProjection };

/** Every ledger read model, in the order status lists them. */
export const LEDGER_PROJECTIONS: readonly AnyProjection[] = [
  balancesProjection,
  statementLinesProjection,
  requestLogProjection,
  dailyUsageProjection,
];

/**
 * For `tollgate migrate`: the runtime's tables plus every ledger read model's first version and reader
 * views, so readers can query `balances` & co. before a projector has run (the projector fills them).
 */
export async function migrateProjections(pool: Pool): Promise<void> {
  await migrateProjectionRuntime(pool);
  for (const p of LEDGER_PROJECTIONS) await ensureProjection(pool, p);
}
