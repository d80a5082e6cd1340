import { LEDGER_PROJECTIONS } from '../read-models';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { dumpProjection } from './dump';
import { rebuildProjections } from './rebuild';
import { ProjectionRunner } from './runner';
import { readRegistry } from './schema';
import { projectionStatus, waitForProjections } from './status';

const C = 1_000_000_000n;
const names = LEDGER_PROJECTIONS.map((p) => p.name);
const quiet = (): void => undefined;

async function dumpAll(env: ProjectionTestEnv): Promise<string> {
  const parts: string[] = [];
  for (const p of LEDGER_PROJECTIONS) parts.push(await dumpProjection(env.pool, p));
  return parts.join('\n');
}

describe('projection runtime', () => {
  let env: ProjectionTestEnv;
  const ev = new LedgerEvents();
  let runner: ProjectionRunner;
  let revision = -1n;

  async function seedAccount(id: string, usages: number): Promise<void> {
    await env.store.append(
      `account-${id}`,
      [ev.opened(id), ev.purchased(id, 1000n * C), ev.leaseReserved(id, `${id}-l`, 100n * C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    const batch = Array.from({ length: usages }, (_, i) =>
      ev.usage(id, `${id}-l`, {
        priceNanocredits: 1_000_003n + BigInt(i),
        model: i % 2 ? 'gpt-4o' : 'claude',
      }),
    );
    await env.store.append(`usage-${id}-${id}-l`, batch, { expectedRevision: 'no_stream' });
  }

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: LEDGER_PROJECTIONS,
      log: quiet,
      lockRetryMs: 200,
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  it('given an event type no projection knows, when it is appended, then it is skipped and every checkpoint moves past it', async () => {
    await env.store.append(
      'other-1',
      [{ id: crypto.randomUUID(), type: 'SomethingElseHappened', data: { x: 1 } }],
      {
        expectedRevision: 'no_stream',
      },
    );
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
    const status = await projectionStatus(env.pool, env.store, LEDGER_PROJECTIONS);
    const head = env.last();
    expect(status.map((s) => [s.name, s.status, s.checkpoint, s.lagEvents])).toEqual(
      names.map((n) => [n, 'running', `${head.commit}/${head.prepare}`, 0]),
    );
  });

  it('given a second runner, when both run, then each projection has exactly one leader and no row is doubled', async () => {
    const second = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: LEDGER_PROJECTIONS,
      log: quiet,
      lockRetryMs: 100,
    });
    await second.start();
    try {
      expect(runner.leading()).toEqual([...names].sort());
      expect(second.leading()).toEqual([]);
      await seedAccount('lead', 40);
      await waitForProjections(env.pool, env.store, names, { until: env.last() });
      const { rows } = await env.pool.query(
        `SELECT count(*)::int AS n FROM request_log WHERE account_id = 'lead'`,
      );
      expect(rows[0].n).toBe(40);
      const { rows: lines } = await env.pool.query(
        `SELECT count(*)::int AS n FROM statement_lines WHERE account_id = 'lead'`,
      );
      expect(lines[0].n).toBe(41);
    } finally {
      await second.stop();
    }
  });

  it('given projected read models, when rebuilt, then the new version has byte-identical contents and readers were switched to it', async () => {
    await seedAccount('rb1', 120);
    await seedAccount('rb2', 7);
    await env.store.append('account-rb2', [ev.refunded('rb2', 3n * C, 'pay-x'), ev.adjusted('rb2', -5n)], {
      expectedRevision: 2n,
    });
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
    const before = await dumpAll(env);
    const versionsBefore = await Promise.all(names.map((n) => readRegistry(env.pool, n)));

    const phases: string[] = [];
    const results = await rebuildProjections(env.pool, env.store, LEDGER_PROJECTIONS, {
      batchSize: 50,
      onProgress: (p) => phases.push(p.phase),
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(phases[0]).toBe('building');
    expect(phases.at(-1)).toBe('done');
    const after = await dumpAll(env);
    expect(after).toBe(before);
    for (const [i, n] of names.entries()) {
      const reg = await readRegistry(env.pool, n);
      expect(reg?.live_version).toBe((versionsBefore[i]?.live_version ?? 0) + 1);
      expect(reg?.building_version).toBeNull();
    }
    const { rows: leftovers } = await env.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_name ~ '_v[0-9]+$' ORDER BY 1`,
    );
    const live = (await Promise.all(names.map((n) => readRegistry(env.pool, n)))).map((r) => r?.live_version);
    expect(
      leftovers.every((t: { table_name: string }) => live.some((v) => t.table_name.endsWith(`_v${v}`))),
    ).toBe(true);
    // The live runner follows the new version.
    await seedAccount('after-rebuild', 3);
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
    const { rows } = await env.pool.query(
      `SELECT count(*)::int AS n FROM request_log WHERE account_id = 'after-rebuild'`,
    );
    expect(rows[0].n).toBe(3);
  });

  it('given appends going on, when a rebuild runs beside the live runner, then no event is lost or doubled across the switch', async () => {
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop && i < 200; i++) {
        revision += 1n;
        await env.store.append(
          'usage-conc-l',
          [ev.usage('conc', 'l', { priceNanocredits: 1000n + BigInt(i) })],
          {
            expectedRevision: revision === 0n ? 'no_stream' : revision - 1n,
          },
        );
      }
    })();
    await env.store.append(
      'account-conc',
      [ev.opened('conc'), ev.purchased('conc', 10n * C), ev.leaseReserved('conc', 'l', C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    const results = await rebuildProjections(env.pool, env.store, LEDGER_PROJECTIONS, { batchSize: 100 });
    stop = true;
    await writer;
    expect(results.every((r) => r.ok)).toBe(true);
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
    const live = await dumpAll(env);
    // A second rebuild from scratch on a quiet store must agree with what the live runner continued.
    await rebuildProjections(env.pool, env.store, LEDGER_PROJECTIONS);
    expect(await dumpAll(env)).toBe(live);
    const { rows } = await env.pool.query(
      `SELECT count(*)::int AS n FROM request_log WHERE account_id = 'conc'`,
    );
    expect(rows[0].n).toBe(Number(revision) + 1);
  });
});
