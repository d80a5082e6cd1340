import { projectionsStatusCommand } from '../cli/commands';
import { LEDGER_PROJECTIONS } from '../read-models';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { ProjectionRunner } from './runner';
import { readRegistry } from './schema';
import { waitForProjections } from './status';

describe('a malformed event of a known type', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;
  const errors: string[] = [];
  const ev = new LedgerEvents();

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: LEDGER_PROJECTIONS,
      log: (level, message) => level === 'error' && errors.push(message),
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  it('given a purchase whose amount is a float, when projected, then the money projections stop loudly naming it and the others go on', async () => {
    const bad = {
      id: crypto.randomUUID(),
      type: 'CreditsPurchased',
      data: { ...(ev.purchased('m1', 5n).data as object), amountNanocredits: 12.5 },
    };
    await env.store.append('account-m1', [ev.opened('m1'), bad, ev.leaseReserved('m1', 'l', 1n)], {
      expectedRevision: 'no_stream',
    });
    await env.store.append('usage-m1-l', [ev.usage('m1', 'l', { priceNanocredits: 1n })], {
      expectedRevision: 'no_stream',
    });
    await waitForProjections(env.pool, env.store, ['request_log', 'daily_usage'], { until: env.last() });
    const deadline = Date.now() + 5000;
    while (runner.failedProjections().length < 2 && Date.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 20));

    expect(runner.failedProjections()).toEqual(['balances', 'statement_lines']);
    expect(runner.leading()).toEqual(['daily_usage', 'request_log']);
    expect(errors.join('\n')).toContain(`malformed CreditsPurchased event ${bad.id} in stream account-m1`);
    const reg = await readRegistry(env.pool, 'balances');
    expect(reg?.status).toBe('failed');
    expect(reg?.error).toContain(bad.id);
    // Nothing after the bad event reached the stopped projection: its last good batch ends before it.
    const { rows } = await env.pool.query(`SELECT count(*)::int AS n FROM balances`);
    expect(rows[0].n).toBe(0);
    const { rows: log } = await env.pool.query(`SELECT count(*)::int AS n FROM request_log`);
    expect(log[0].n).toBe(1);

    const out: string[] = [];
    const code = await projectionsStatusCommand(
      { pool: env.pool, store: env.store },
      {},
      { write: (s: string) => out.push(s) },
    );
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/balances failed: projection balances stopped: malformed CreditsPurchased/);
  });
});
