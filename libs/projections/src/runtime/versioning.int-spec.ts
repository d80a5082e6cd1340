import { randomUUID } from 'node:crypto';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import type { AnyProjection, DecodedEvent, ProjectionContext } from './projection';
import { ProjectionRunner } from './runner';
import { readRegistry } from './schema';
import { projectionStatus, waitForProjections } from './status';

/** A small generic projection: events per type. Version 2 adds a column (a schema change). */
function typeCounts(version: 1 | 2): AnyProjection {
  return {
    name: 'type_counts',
    version,
    tables: [
      {
        base: 'type_counts',
        orderBy: 'type',
        ddl: (t) => [
          `CREATE TABLE ${t('type_counts')} (type text PRIMARY KEY, events bigint NOT NULL${version === 2 ? ', last_stream text NOT NULL' : ''})`,
        ],
      },
    ],
    handles: (type) => type.startsWith('Thing'),
    decode: (e) => ({ type: e.type, stream: e.streamId }),
    async projectBatch(
      events: readonly DecodedEvent<{ type: string; stream: string }>[],
      ctx: ProjectionContext,
    ) {
      return events.map(({ event }) =>
        version === 1
          ? {
              sql: `INSERT INTO ${ctx.t('type_counts')} AS c VALUES ($1, 1) ON CONFLICT (type) DO UPDATE SET events = c.events + 1`,
              params: [event.type],
            }
          : {
              sql: `INSERT INTO ${ctx.t('type_counts')} AS c VALUES ($1, 1, $2)
                    ON CONFLICT (type) DO UPDATE SET events = c.events + 1, last_stream = $2`,
              params: [event.type, event.stream],
            },
      );
    },
  };
}

describe('projection versions', () => {
  let env: ProjectionTestEnv;
  beforeAll(async () => {
    env = await projectionTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('given a projection whose code version changed, when the projector starts, then it rebuilds into new tables and switches readers to them', async () => {
    const thing = (type: string) => ({ id: randomUUID(), type, data: {} });
    await env.store.append('things-1', [thing('ThingMade'), thing('ThingMade'), thing('ThingSold')], {
      expectedRevision: 'no_stream',
    });
    const v1 = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [typeCounts(1)],
      log: () => undefined,
    });
    await v1.start();
    await waitForProjections(env.pool, env.store, ['type_counts'], { until: env.last() });
    await v1.stop();
    expect((await env.pool.query('SELECT * FROM type_counts ORDER BY type')).rows).toEqual([
      { type: 'ThingMade', events: '2' },
      { type: 'ThingSold', events: '1' },
    ]);

    await env.store.append('things-2', [thing('ThingMade')], { expectedRevision: 'no_stream' });
    const v2 = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [typeCounts(2)],
      log: () => undefined,
    });
    await v2.start();
    try {
      await waitForProjections(env.pool, env.store, ['type_counts'], { until: env.last() });
      expect((await env.pool.query('SELECT * FROM type_counts ORDER BY type')).rows).toEqual([
        { type: 'ThingMade', events: '3', last_stream: 'things-2' },
        { type: 'ThingSold', events: '1', last_stream: 'things-1' },
      ]);
      const reg = await readRegistry(env.pool, 'type_counts');
      expect(reg).toEqual(
        expect.objectContaining({ live_version: 2, live_schema: 2, building_version: null }),
      );
      const [status] = await projectionStatus(env.pool, env.store, [typeCounts(2)]);
      expect(status).toEqual(
        expect.objectContaining({ liveVersion: 2, liveSchema: 2, codeVersion: 2, lagEvents: 0 }),
      );
      const { rows } = await env.pool.query(`SELECT to_regclass('type_counts_v1')::text AS old`);
      expect(rows[0].old).toBeNull();
    } finally {
      await v2.stop();
    }
  });
});
