import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  LEDGER_PROJECTIONS,
  dumpProjection,
  rebuildProjections,
  readRegistry,
  waitForProjections,
} from '@tollgate/projections';
import { LedgerEvents } from '../../../libs/projections/src/testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../../../libs/projections/src/testing/test-env';

const C = 1_000_000_000n;
const ACCOUNTS = 12;
const USAGE_PER_ACCOUNT = 150;

/** `killAtBatch`: SIGKILL the moment that batch announces itself, i.e. while its transaction is open. */
function spawnProjector(
  url: string,
  killAtBatch?: number,
): { child: ChildProcess; batches: () => number; output: () => string } {
  const child = spawn(
    process.execPath,
    ['-r', join(__dirname, 'testing/swc-register.js'), join(__dirname, 'testing/crash-child.ts')],
    {
      env: { ...process.env, DATABASE_URL: url, PROJECTOR_BATCH_SIZE: '50', CRASH_HOLD_MS: '15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let batches = 0;
  child.stdout?.on('data', (d: Buffer) => {
    const s = d.toString();
    out += s;
    batches += s.split('\n').filter((l) => l.startsWith('batch ')).length;
    if (killAtBatch !== undefined && batches >= killAtBatch && child.exitCode === null) child.kill('SIGKILL');
  });
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, batches: () => batches, output: () => out };
}

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((ok) =>
    child.exitCode !== null || child.signalCode !== null
      ? ok(child.exitCode)
      : child.once('exit', (code) => ok(code)),
  );
}

describe('projector crash safety', () => {
  let env: ProjectionTestEnv;
  const ev = new LedgerEvents();
  const names = LEDGER_PROJECTIONS.map((p) => p.name);

  beforeAll(async () => {
    env = await projectionTestEnv();
    for (let a = 0; a < ACCOUNTS; a++) {
      const id = `crash-${a}`;
      await env.store.append(
        `account-${id}`,
        [ev.opened(id), ev.purchased(id, 100n * C), ev.leaseReserved(id, 'l', 10n * C)],
        {
          expectedRevision: 'no_stream',
        },
      );
      for (let i = 0; i < USAGE_PER_ACCOUNT; i += 25)
        await env.store.append(
          `usage-${id}-l`,
          Array.from({ length: 25 }, (_, k) =>
            ev.usage(id, 'l', { priceNanocredits: 1_000n + BigInt(i + k), model: k % 3 ? 'm1' : 'm2' }),
          ),
          { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) },
        );
    }
  });
  afterAll(async () => {
    await env.close();
  });

  it('given a projector killed with SIGKILL inside a batch, when restarted, then no row is lost or doubled', async () => {
    const first = spawnProjector(env.db.url, 12);
    await until(
      () => first.batches() >= 12,
      20_000,
      () => `batches in the first projector (output: ${first.output()})`,
    );
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    // The crash left the projections part way: some batches committed, the one in flight did not.
    const { rows: mid } = await env.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM request_log');
    const total = ACCOUNTS * USAGE_PER_ACCOUNT;
    expect(mid[0].n).toBeGreaterThan(0);
    expect(mid[0].n).toBeLessThan(total);

    const second = spawnProjector(env.db.url);
    try {
      await waitForProjections(env.pool, env.store, names, { until: env.last(), timeoutMs: 30_000 });
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await exited(second.child)).toBe(0);
    expect(second.output()).toContain('started');

    const { rows } = await env.pool.query<{ n: number; d: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS d FROM request_log',
    );
    expect(rows[0]).toEqual({ n: total, d: total });
    const { rows: daily } = await env.pool.query<{ n: string }>(
      'SELECT sum(requests)::text AS n FROM daily_usage',
    );
    expect(daily[0].n).toBe(String(total));

    // A clean projection of the same events (a rebuild from position 0) is byte-identical.
    const recovered: string[] = [];
    for (const p of LEDGER_PROJECTIONS) recovered.push(await dumpProjection(env.pool, p));
    const results = await rebuildProjections(env.pool, env.store, LEDGER_PROJECTIONS);
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await readRegistry(env.pool, 'balances'))?.live_version).toBe(2);
    const clean: string[] = [];
    for (const p of LEDGER_PROJECTIONS) clean.push(await dumpProjection(env.pool, p));
    expect(recovered.join('\n')).toBe(clean.join('\n'));
  }, 60_000);
});
