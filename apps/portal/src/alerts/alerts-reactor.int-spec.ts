import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { alertsStream, verifySignatureHeader } from '@tollgate/catalog';
import { migrateEventStore, PostgresEventStore, runMigrations } from '@tollgate/event-store';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { SecretBox } from '../../../gateway/src/secrets/secret-box';
import { ALERTS_MIGRATION_COMPONENT, ALERTS_MIGRATIONS } from './alerts-migrations';
import { AlertsReactor } from './alerts-reactor';
import { AlertsService } from './alerts.service';
import { webhookDispatcher } from './webhook-target';
import { request } from 'undici';

const C = 1_000_000_000n;
const WS = '5d0c8a3e-2f7b-4c9e-8a11-6b2d3c4e5f60';

describe('alerts reactor against Postgres', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let server: Server;
  let url = '';
  const received: { headers: Record<string, unknown>; body: string }[] = [];
  const box = new SecretBox(randomBytes(32));
  let reactor: AlertsReactor;
  let service: AlertsService;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 6 });
    pool.on('error', () => undefined);
    await migrateEventStore(pool);
    await runMigrations(pool, ALERTS_MIGRATIONS, { component: ALERTS_MIGRATION_COMPONENT });
    // Stand-in for the ledger's `balances` read model: only the columns the watcher reads.
    await pool.query(
      `CREATE TABLE balances (account_id text PRIMARY KEY, posted_nanocredits bigint NOT NULL, last_position text NOT NULL)`,
    );
    store = new PostgresEventStore({ pool, pollIntervalMs: 100, log: () => undefined });
    // `/hang` never answers; anything else answers 204.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url !== '/hang') res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    service = new AlertsService(pool, store, box);
    reactor = new AlertsReactor({
      pool,
      store,
      secretBox: box,
      config: {
        pollMs: 50,
        backoff: { baseMs: 60_000, maxMs: 60_000 },
        maxAttempts: 3,
        attemptTimeoutMs: 300,
        deliveriesPerTick: 10,
        allowNonPublicTargets: true,
      },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await reactor.stop();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await store.close();
    await pool.end();
    await db.drop();
  });

  const crossings = async () =>
    (await store.readStream(alertsStream(WS))).filter(
      (e) => e.type.startsWith('LowBalance') && e.type !== 'LowBalanceAlertsSet',
    );

  /**
   * `$all` shows an event once every older transaction on the server has ended (other suites share it),
   * so steps are repeated until what they wait for is there, within a bound.
   */
  async function until(
    step: () => Promise<unknown>,
    done: () => Promise<boolean>,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await step();
      if (await done()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
  const observed = async (position: string) =>
    (await pool.query('SELECT 1 FROM alert_settings WHERE observed_position = $1', [position])).rowCount ===
    1;
  const pendingUntried = async () =>
    ((await pool.query(`SELECT 1 FROM alert_deliveries WHERE status = 'pending' AND attempts = 0`))
      .rowCount ?? 0) > 0;

  it('given thresholds and a balance above them, when the balance drops below and is observed twice, then one crossing is recorded and one signed delivery is sent', async () => {
    await pool.query(`INSERT INTO balances VALUES ($1, $2, '10/1')`, [WS, (20n * C).toString()]);
    const saved = await service.save(
      WS,
      { thresholdsNanocredits: [10n * C], webhookUrl: `${url}/ok` },
      'user:owner',
    );
    if (!('newSecret' in saved) || !saved.newSecret) throw new Error('expected a new secret');
    await until(
      () => reactor.tick(),
      () => observed('10/1'),
      'the first observation',
    );
    expect(await crossings()).toEqual([]);

    await pool.query(
      `UPDATE balances SET posted_nanocredits = $2, last_position = '11/1' WHERE account_id = $1`,
      [WS, (4n * C).toString()],
    );
    // Observes and records the crossing, then queues and sends its delivery.
    await until(
      () => reactor.tick(),
      async () => received.length > 0,
      'the delivery',
    );
    await reactor.tick(); // same position again: nothing new
    await reactor.tick();
    const events = await crossings();
    expect(events.map((e) => e.type)).toEqual(['LowBalanceThresholdCrossed']);
    expect(received).toHaveLength(1);
    const header = String(received[0].headers['tollgate-signature']);
    expect(
      verifySignatureHeader(saved.newSecret, header, received[0].body, Math.floor(Date.now() / 1000)),
    ).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({ id: events[0].id, type: 'balance.below_threshold' });
    const { rows } = await pool.query('SELECT status, attempts FROM alert_deliveries');
    expect(rows).toEqual([{ status: 'delivered', attempts: 1 }]);
  });

  it('given a receiver that never answers, when a delivery is attempted, then the attempt ends at the timeout, is recorded with the error and waits for its backoff', async () => {
    await service.save(WS, { thresholdsNanocredits: [10n * C], webhookUrl: `${url}/hang` }, 'user:owner');
    await pool.query(
      `UPDATE balances SET posted_nanocredits = $2, last_position = '12/1' WHERE account_id = $1`,
      [WS, (30n * C).toString()],
    );
    // Recovered, and its delivery queued for /hang (not sent yet).
    await until(
      async () => {
        await reactor.followEvents();
        await reactor.watchBalances();
      },
      pendingUntried,
      'the recovery queued',
    );
    const started = Date.now();
    expect(await reactor.deliverDue()).toBe(1);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
    const { rows } = await pool.query(
      `SELECT d.status, d.attempts, d.next_attempt_at > now() + interval '20 seconds' AS backing_off, a.error, a.outcome
         FROM alert_deliveries d JOIN alert_delivery_attempts a USING (delivery_id) WHERE d.event_type = 'LowBalanceRecovered'`,
    );
    expect(rows).toEqual([
      {
        status: 'pending',
        attempts: 1,
        backing_off: true,
        error: expect.stringContaining('timed out after 300 ms'),
        outcome: 'retry',
      },
    ]);
    // Not due yet: nothing is sent again.
    expect(await reactor.deliverDue()).toBe(0);
  });

  it('given production settings (no private targets), when a delivery goes to 127.0.0.1 or a name resolving to loopback, then nothing reaches the receiver and the refusal is recorded', async () => {
    const strict = new AlertsReactor({
      pool,
      store,
      secretBox: box,
      config: {
        pollMs: 50,
        backoff: { baseMs: 60_000, maxMs: 60_000 },
        maxAttempts: 3,
        attemptTimeoutMs: 300,
        deliveriesPerTick: 10,
        allowNonPublicTargets: false,
      },
      log: () => undefined,
    });
    const before = received.length;
    await service.save(WS, { thresholdsNanocredits: [10n * C], webhookUrl: `${url}/ok` }, 'user:owner');
    await pool.query(
      `UPDATE balances SET posted_nanocredits = $2, last_position = '13/1' WHERE account_id = $1`,
      [WS, C.toString()],
    );
    // Crossed again, its delivery queued for 127.0.0.1.
    await until(
      async () => {
        await strict.followEvents();
        await strict.watchBalances();
      },
      pendingUntried,
      'the crossing queued',
    );
    expect(await strict.deliverDue()).toBe(1);
    await strict.stop();
    expect(received.length).toBe(before);
    const { rows } = await pool.query(
      `SELECT a.error FROM alert_delivery_attempts a JOIN alert_deliveries d USING (delivery_id)
        WHERE d.url = $1 ORDER BY a.started_at DESC LIMIT 1`,
      [`${url}/ok`],
    );
    expect(rows[0].error).toContain('public host');

    // A host name is checked on the address actually connected to.
    const dispatcher = webhookDispatcher(false, 1_000);
    const port = new URL(url).port;
    await expect(
      request(`http://localhost:${port}/ok`, { method: 'POST', body: '{}', dispatcher }),
    ).rejects.toThrow(/non-public address/);
    await dispatcher.destroy();
    expect(received.length).toBe(before);
  });
});
