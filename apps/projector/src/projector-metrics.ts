import type { Pool } from 'pg';
import { parsePosition, type EventStore } from '@tollgate/event-store';
import { cachedSource, type ProjectionLagSample } from '@tollgate/observability';
import { estimateFraction, projectionStatus, type AnyProjection } from '@tollgate/projections';

/** A scrape reads the registry and counts lag (bounded); more often than this it reuses the last read. */
const LAG_SAMPLE_TTL_MS = 5_000;

/** Projection lag and rebuild progress for the metrics registry, read at scrape time. */
export function projectionLagSource(
  pool: Pool,
  store: EventStore,
  projections: readonly AnyProjection[],
): () => Promise<ProjectionLagSample[]> {
  return cachedSource(async () => {
    const statuses = await projectionStatus(pool, store, projections);
    const building = statuses.some((s) => s.building);
    const first = building ? (await store.readAll({ maxCount: 1 }))[0]?.position : undefined;
    return statuses.map((s) => ({
      name: s.name,
      lagEvents: s.lagEvents,
      lagSeconds: s.lagSeconds,
      rebuildFraction:
        s.building && first
          ? estimateFraction(first, parsePosition(s.head), parsePosition(s.building.checkpoint))
          : null,
    }));
  }, LAG_SAMPLE_TTL_MS);
}
