import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { bootstrap, type RunningTollgate } from '../../../apps/cli/src/commands/start';

describe('tollgate start (all-in-one process)', () => {
  let db: TestDatabase;
  let running: RunningTollgate;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
    });
    running = await bootstrap(config, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a started product, when /healthz is asked, then the process says it is up', async () => {
    const res = await fetch(`${running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('given a reachable database, when /readyz is asked, then every check passes', async () => {
    const res = await fetch(`${running.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => c.name)).toContain('database');
  });

  it('given no admin token in the environment, when the config loads twice, then the same generated token is kept', () => {
    const a = loadConfig({ TOLLGATE_DATA_DIR: dataDir });
    const b = loadConfig({ TOLLGATE_DATA_DIR: dataDir });
    expect(a.adminToken).toMatch(/^tga_/);
    expect(b.adminToken).toBe(a.adminToken);
    expect(b.masterKey.equals(a.masterKey)).toBe(true);
  });

  it('given a bad PORT, when the config loads, then it fails with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', TOLLGATE_DATA_DIR: dataDir })).toThrow(/PORT/);
  });
});
