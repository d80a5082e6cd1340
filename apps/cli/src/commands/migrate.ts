import type { Pool } from 'pg';
import { migrateEventStore, type MigrationProgress } from '@tollgate/event-store';
import { migrateIdentity } from '@tollgate/identity';
import { ensureProjection, migrateProjectionRuntime } from '@tollgate/projections';
import { migrateGatewayCatalog } from '../../../gateway/src/gateway.module';
import { migrateQuotaCounters } from '../../../gateway/src/workspace-rules';
import { runMigrations } from '@tollgate/event-store';
import { ALERTS_MIGRATION_COMPONENT, ALERTS_MIGRATIONS } from '../../../portal/src/alerts/alerts-migrations';
import { ALL_PROJECTIONS } from '../projections';

/** Brings every schema the product needs up to date; safe to run again and from several processes. */
export async function migrateAll(pool: Pool, say: (line: string) => void): Promise<void> {
  // A long migration (a backfill) says when it starts and how long it took; an up-to-date schema is quiet.
  let startedAt = 0;
  const onProgress = (p: MigrationProgress): void => {
    const what = `${p.component} #${p.version} ${p.name}`;
    if (p.status === 'applying') {
      startedAt = performance.now();
      say(`migration applying: ${what}`);
    } else if (p.status === 'applied')
      say(`migration applied: ${what} (${Math.round(performance.now() - startedAt)} ms)`);
  };
  await migrateEventStore(pool, onProgress);
  await migrateProjectionRuntime(pool);
  // Before the read models: its version 2 drops the old catalog tables whose names the catalog
  // projection's views take over.
  await migrateGatewayCatalog(pool);
  // The gateways' shared quota counters (workspace and key quotas across instances).
  await migrateQuotaCounters(pool);
  // Alert settings and webhook deliveries (the alerts reactor also ensures them when it starts).
  await runMigrations(pool, ALERTS_MIGRATIONS, { component: ALERTS_MIGRATION_COMPONENT, onProgress });
  // Read-model tables and views exist before the projector first runs, so readers never miss them.
  for (const projection of ALL_PROJECTIONS) await ensureProjection(pool, projection);
  const identity = await migrateIdentity(pool);
  for (const v of identity.applied) say(`migration applied: identity #${v}`);
  say('migrations: up to date');
}
