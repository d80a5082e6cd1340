import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { leasesClosed, loadClient, runTollgate, usageByRequest, type Outcome } from './support/load';
import { REPO_ROOT as ROOT, TS_REGISTER as REGISTER } from '../support/tollgate-cli';
import { spawnTollgateStart, type SpawnedTollgate } from './support/spawn-tollgate';

jest.setTimeout(180_000);

const WORKERS = 4;

/**
 * The embedded server on a data dir, in a child process (jest's VM cannot load the ESM package):
 * resolves with the URL of its `tollgate` database; closing stdin stops it.
 */
function openEmbedded(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const script = `
    const { startEmbeddedPostgres, ensureDatabase } = require('./libs/platform/src');
    startEmbeddedPostgres({ dataDir: ${JSON.stringify(join(dataDir, 'postgres'))} }).then(async (h) => {
      console.log('URL ' + (await ensureDatabase(h.url, 'tollgate')));
      process.stdin.on('end', () => h.stop().then(() => process.exit(0)));
      process.stdin.resume();
    }, (err) => { console.error(err); process.exit(1); });`;
  const child = spawn(process.execPath, ['-r', REGISTER, '-e', script], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /URL (\S+)/.exec(out)?.[1];
      if (url) ok({ url, child });
    });
    child.once('exit', (code) => fail(new Error(`embedded server exited (${code}): ${out}`)));
  });
}

function closeEmbedded(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.removeAllListeners('exit');
    child.once('exit', () => ok());
    child.stdin!.end();
  });
}
const LOAD_BEFORE_SIGNAL_MS = 1_500;

/**
 * `npm start`'s zero-setup default: the embedded PostgreSQL is this process's child. Its package stops
 * the server on SIGINT/SIGTERM from a hook of its own, and a terminal's Ctrl-C reaches the server's
 * process directly; either would cut the last usage batch and the lease settlements.
 */
describe('operations: Ctrl-C (SIGINT to the process group) on the embedded default', () => {
  let dataDir: string;
  let running: SpawnedTollgate;
  let embedded: ChildProcess | undefined;
  let pool: Pool | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-embedded-sigterm-'));
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await pool?.end();
    if (embedded) await closeEmbedded(embedded);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given requests in flight on the embedded database, when Ctrl-C signals the whole process group, then the database outlives the stop: every served request is charged once, every lease settled, exit 0', async () => {
    // Empty means unset: the process starts its own embedded server in the data dir.
    const env = { DATABASE_URL: '', TOLLGATE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    running = await spawnTollgateStart(env, { ownProcessGroup: true });
    const outcomes: Outcome[] = [];
    const stop = { now: false };
    const clients = Array.from({ length: WORKERS }, () =>
      loadClient(running.url, running.apiKey, outcomes, stop),
    );
    await new Promise((ok) => setTimeout(ok, LOAD_BEFORE_SIGNAL_MS));

    // Ctrl-C in a terminal: SIGINT to every process of the foreground group, the server's too
    // unless it runs in a group of its own.
    process.kill(-running.child.pid!, 'SIGINT');
    const code = await running.exited;
    stop.now = true;
    await Promise.all(clients);

    const output = running.output();
    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(output).toContain('stopped');
    expect(output).not.toContain('the database system is shutting down');
    // The server goes down only as the very last step, after usage and leases were written.
    const settledAt = output.indexOf('"step":"leases settled"');
    const terminatedAt = output.indexOf('terminating connection due to administrator command');
    expect(settledAt).toBeGreaterThan(0);
    if (terminatedAt >= 0)
      expect(terminatedAt).toBeGreaterThan(output.indexOf('"step":"projections drained"'));

    // Then, on the same data dir: each 200 charged once, and no lease left open.
    const server = await openEmbedded(dataDir);
    embedded = server.child;
    pool = new Pool({ connectionString: server.url, max: 2 });
    const served = outcomes.filter((o) => o.status === 200);
    expect(served.length).toBeGreaterThan(0);
    const usage = await usageByRequest(pool);
    for (const o of served)
      expect({ id: o.requestId, n: usage.get(o.requestId!)?.n }).toEqual({ id: o.requestId, n: 1 });
    const leases = await leasesClosed(pool);
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.filter((l) => !l.closed)).toEqual([]);
    await pool.end();
    pool = undefined;
    await closeEmbedded(embedded);
    embedded = undefined;

    // And the auditor, itself on the embedded default, agrees with every read model.
    const verify = await runTollgate(['verify'], { DATABASE_URL: '', TOLLGATE_DATA_DIR: dataDir });
    expect({ code: verify.code, out: verify.out.slice(-2000) }).toMatchObject({ code: 0 });
  });
});
