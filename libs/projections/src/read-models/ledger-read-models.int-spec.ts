import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { LEDGER_PROJECTIONS } from '.';

const C = 1_000_000_000n;
const names = LEDGER_PROJECTIONS.map((p) => p.name);

describe('ledger read models', () => {
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
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  it('given purchases, grants, refunds, adjustments, a lease and usage, then balances, statement lines, request log and daily usage agree to the nanocredit', async () => {
    const { store, pool } = env;
    await store.append(
      'account-a1',
      [
        ev.opened('a1', 5n * C),
        ev.purchased('a1', 100n * C, 'pay-1'),
        ev.granted('a1', 10n * C),
        ev.leaseReserved('a1', 'l1', 20n * C),
      ],
      { expectedRevision: 'no_stream' },
    );
    await store.append(
      'usage-a1-l1',
      [
        ev.usage('a1', 'l1', { priceNanocredits: 1_500_000_001n, model: 'gpt-4o' }),
        ev.usage('a1', 'l1', { priceNanocredits: 0n, status: 'failed', model: 'gpt-4o' }),
        ev.usage('a1', 'l1', { priceNanocredits: 2n * C, model: 'gpt-4o-mini', apiKeyId: 'key-2' }),
      ],
      { expectedRevision: 'no_stream' },
    );
    await store.append(
      'account-a1',
      [
        ev.refunded('a1', 30n * C, 'pay-1'),
        ev.adjusted('a1', -1n),
        ev.leaseSettled('a1', 'l1', 3_500_000_001n, 16_499_999_999n, 3),
      ],
      { expectedRevision: 3n },
    );
    await waitForProjections(pool, store, names, { until: env.last() });

    const posted = 100n * C + 10n * C - 1_500_000_001n - 2n * C - 30n * C - 1n;
    const { rows: bal } = await pool.query('SELECT * FROM balances');
    expect(bal).toEqual([
      expect.objectContaining({
        account_id: 'a1',
        posted_nanocredits: posted.toString(),
        leased_nanocredits: '0',
        available_nanocredits: posted.toString(),
        overdraft_limit_nanocredits: (5n * C).toString(),
        open_leases: 0,
      }),
    ]);
    const { rows: lines } = await pool.query(
      'SELECT line_no, entry_type, amount_nanocredits, balance_after_nanocredits FROM statement_lines ORDER BY line_no',
    );
    expect(
      lines.map((l) => [l.line_no, l.entry_type, l.amount_nanocredits, l.balance_after_nanocredits]),
    ).toEqual([
      ['1', 'purchase', (100n * C).toString(), (100n * C).toString()],
      ['2', 'grant', (10n * C).toString(), (110n * C).toString()],
      ['3', 'usage', '-1500000001', (110n * C - 1_500_000_001n).toString()],
      ['4', 'usage', (-2n * C).toString(), (108n * C - 1_500_000_001n).toString()],
      ['5', 'refund', (-30n * C).toString(), (78n * C - 1_500_000_001n).toString()],
      ['6', 'adjustment', '-1', posted.toString()],
    ]);
    const { rows: sum } = await pool.query('SELECT sum(amount_nanocredits)::text AS s FROM statement_lines');
    expect(sum[0].s).toBe(posted.toString());

    const { rows: log } = await pool.query(
      'SELECT status, model, price_nanocredits, balance_impact_nanocredits, provider FROM request_log ORDER BY position',
    );
    expect(log).toEqual([
      {
        status: 'succeeded',
        model: 'gpt-4o',
        price_nanocredits: '1500000001',
        balance_impact_nanocredits: '-1500000001',
        provider: 'openai',
      },
      {
        status: 'failed',
        model: 'gpt-4o',
        price_nanocredits: '0',
        balance_impact_nanocredits: '0',
        provider: 'openai',
      },
      {
        status: 'succeeded',
        model: 'gpt-4o-mini',
        price_nanocredits: '2000000000',
        balance_impact_nanocredits: '-2000000000',
        provider: 'openai',
      },
    ]);
    const { rows: daily } = await pool.query(
      `SELECT api_key_id, model, to_char(day, 'YYYY-MM-DD') AS day, requests, price_nanocredits FROM daily_usage ORDER BY api_key_id, model`,
    );
    expect(daily).toEqual([
      {
        api_key_id: 'key-1',
        model: 'gpt-4o',
        day: '2026-11-01',
        requests: '2',
        price_nanocredits: '1500000001',
      },
      {
        api_key_id: 'key-2',
        model: 'gpt-4o-mini',
        day: '2026-11-01',
        requests: '1',
        price_nanocredits: '2000000000',
      },
    ]);
  });

  it('given an open lease with usage recorded against it, then leased is what the lease still holds and available excludes it', async () => {
    const { store, pool } = env;
    await store.append(
      'account-a2',
      [ev.opened('a2'), ev.purchased('a2', 50n * C), ev.leaseReserved('a2', 'l2', 10n * C)],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.append(
      'usage-a2-l2',
      [
        ev.usage('a2', 'l2', { priceNanocredits: 4n * C }),
        ev.usage('a2', 'l2', { priceNanocredits: 7n * C }),
      ],
      {
        expectedRevision: 'no_stream',
      },
    );
    await waitForProjections(pool, store, names, { until: env.last() });
    const { rows } = await pool.query(`SELECT * FROM balances WHERE account_id = 'a2'`);
    // 11 credits used against a 10-credit lease: the lease holds back nothing more (never below 0).
    expect(rows[0]).toEqual(
      expect.objectContaining({
        posted_nanocredits: (39n * C).toString(),
        leased_nanocredits: '0',
        available_nanocredits: (39n * C).toString(),
        open_leases: 1,
      }),
    );
    await store.append('account-a2', [ev.leaseReserved('a2', 'l3', 5n * C)], { expectedRevision: 2n });
    await waitForProjections(pool, store, names, { until: env.last() });
    const { rows: after } = await pool.query(`SELECT * FROM balances WHERE account_id = 'a2'`);
    expect(after[0]).toEqual(
      expect.objectContaining({
        leased_nanocredits: (5n * C).toString(),
        available_nanocredits: (34n * C).toString(),
        open_leases: 2,
      }),
    );
  });

  it('given two accounts whose leases share an id, when one settles, then only its own lease is released', async () => {
    const { store, pool } = env;
    for (const id of ['s1', 's2'])
      await store.append(
        `account-${id}`,
        [ev.opened(id), ev.purchased(id, 10n * C), ev.leaseReserved(id, 'same', 4n * C)],
        {
          expectedRevision: 'no_stream',
        },
      );
    await store.append('usage-s1-same', [ev.usage('s1', 'same', { priceNanocredits: C })], {
      expectedRevision: 'no_stream',
    });
    await store.append('account-s1', [ev.leaseSettled('s1', 'same', C, 3n * C, 1)], { expectedRevision: 2n });
    await waitForProjections(pool, store, names, { until: env.last() });
    const { rows } = await pool.query(
      `SELECT account_id, posted_nanocredits, leased_nanocredits FROM balances WHERE account_id IN ('s1', 's2') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { account_id: 's1', posted_nanocredits: (9n * C).toString(), leased_nanocredits: '0' },
      { account_id: 's2', posted_nanocredits: (10n * C).toString(), leased_nanocredits: (4n * C).toString() },
    ]);
  });
});
