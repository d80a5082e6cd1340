import { projectionsStatusCommand, replayCommand, verifyCommand } from '../cli/commands';
import { LEDGER_PROJECTIONS } from '../read-models';
import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { replayAccount } from './replay';

const C = 1_000_000_000n;
const names = LEDGER_PROJECTIONS.map((p) => p.name);

function buffer(): { write(s: string): boolean; text(): string; isTTY: boolean } {
  const parts: string[] = [];
  return { write: (s) => (parts.push(s), true), text: () => parts.join(''), isTTY: false };
}

describe('auditor replay and verify', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;
  const ev = new LedgerEvents();

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: LEDGER_PROJECTIONS,
      log: () => undefined,
    });
    await runner.start();
    const { store } = env;
    await store.append(
      'account-acme',
      [ev.opened('acme'), ev.purchased('acme', 20n * C, 'p1'), ev.leaseReserved('acme', 'x', 5n * C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append(
      'usage-acme-x',
      [
        ev.usage('acme', 'x', { priceNanocredits: 123n }),
        ev.usage('acme', 'x', { priceNanocredits: 0n, status: 'failed' }),
      ],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append(
      'account-acme',
      [ev.leaseSettled('acme', 'x', 123n, 5n * C - 123n, 2), ev.leaseReserved('acme', 'y', 2n * C)],
      {
        expectedRevision: 2n,
      },
    );
    await store.append('usage-acme-y', [ev.usage('acme', 'y', { priceNanocredits: 7n })], {
      expectedRevision: 'no_stream',
    });
    await store.append('account-acme', [ev.refunded('acme', C, 'p1')], { expectedRevision: 4n });
    // Another account whose id starts like acme's must not leak into acme's history.
    await store.append(
      'account-acme-2',
      [ev.opened('acme-2'), ev.granted('acme-2', C), ev.leaseReserved('acme-2', 'z', C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append('usage-acme-2-z', [ev.usage('acme-2', 'z', { priceNanocredits: 9n })], {
      expectedRevision: 'no_stream',
    });
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  it('given an account with two leases, when replayed, then its history is in global order with a running balance matching the read models', async () => {
    const r = await replayAccount(env.store, env.pool, 'acme');
    expect(r.differences).toEqual([]);
    expect(r.rows.map((x) => x.eventType)).toEqual([
      'AccountOpened',
      'CreditsPurchased',
      'CreditLeaseReserved',
      'UsageRecorded',
      'UsageRecorded',
      'CreditLeaseSettled',
      'CreditLeaseReserved',
      'UsageRecorded',
      'CreditsRefunded',
    ]);
    expect(r.rows.map((x) => x.postedAfterNanocredits)).toEqual([
      0n,
      20n * C,
      20n * C,
      20n * C - 123n,
      20n * C - 123n,
      20n * C - 123n,
      20n * C - 123n,
      20n * C - 130n,
      19n * C - 130n,
    ]);
    expect(r.totals).toEqual(
      expect.objectContaining({
        postedNanocredits: 19n * C - 130n,
        leasedNanocredits: 2n * C - 7n,
        statementLines: 4,
        usageEvents: 3,
      }),
    );
  });

  it('given matching read models, when replay runs as table, json and csv, then it exits 0 and each format carries every event', async () => {
    const deps = { pool: env.pool, store: env.store };
    const table = buffer();
    expect(await replayCommand(deps, { accountId: 'acme' }, table)).toBe(0);
    expect(table.text()).toContain('read models match the replay');
    expect(table.text()).toContain('18.999999870');
    const json = buffer();
    expect(await replayCommand(deps, { accountId: 'acme', format: 'json' }, json)).toBe(0);
    const parsed = JSON.parse(json.text());
    expect(parsed.rows).toHaveLength(9);
    expect(parsed.totals.postedNanocredits).toBe((19n * C - 130n).toString());
    const csv = buffer();
    expect(await replayCommand(deps, { accountId: 'acme', format: 'csv' }, csv)).toBe(0);
    expect(csv.text().trim().split('\n')).toHaveLength(10);
    const status = buffer();
    expect(await projectionsStatusCommand(deps, {}, status)).toBe(0);
    expect(status.text()).toMatch(/balances\s+v1 \(code 1\)\s+running/);
  });

  it('given a tampered statement line and a lost request-log row, when verify runs, then it exits non-zero naming each difference', async () => {
    const deps = { pool: env.pool, store: env.store };
    const clean = buffer();
    expect(await verifyCommand(deps, {}, clean)).toBe(0);
    expect(clean.text()).toContain('verified 2 accounts');

    await env.pool.query(
      `UPDATE statement_lines SET amount_nanocredits = amount_nanocredits - 1 WHERE account_id = 'acme' AND line_no = 2`,
    );
    await env.pool.query(`DELETE FROM request_log WHERE account_id = 'acme-2'`);
    const out = buffer();
    expect(await verifyCommand(deps, {}, out)).toBe(1);
    const text = out.text();
    expect(text).toContain('DIFFERENCE account acme: statement_lines line 2');
    expect(text).toContain('DIFFERENCE account acme-2: request_log rows: expected 1, read model has 0');
    expect(text).toContain('2 of 2 accounts differ');
    const replay = buffer();
    expect(await replayCommand(deps, { accountId: 'acme' }, replay)).toBe(1);
  });

  it('given a lease settled with a spend its usage stream does not add up to, when replayed, then the difference names the lease', async () => {
    const { store } = env;
    await store.append(
      'account-odd',
      [ev.opened('odd'), ev.purchased('odd', 5n * C), ev.leaseReserved('odd', 'q', C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append('usage-odd-q', [ev.usage('odd', 'q', { priceNanocredits: 40n })], {
      expectedRevision: 'no_stream',
    });
    await store.append('account-odd', [ev.leaseSettled('odd', 'q', 50n, C - 50n, 1)], {
      expectedRevision: 2n,
    });
    await waitForProjections(env.pool, env.store, names, { until: env.last() });
    const r = await replayAccount(env.store, env.pool, 'odd');
    expect(r.differences).toContainEqual(
      expect.objectContaining({
        model: 'events',
        actual: expect.stringContaining('lease q settled with spent 50 but its usage stream sums to 40'),
      }),
    );
  });
});
