import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { eventually } from '../support/all-in-one';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const REGISTER = join(ROOT, 'libs/invoicing/src/testing/ts-register.cjs');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

interface App {
  name: string;
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startApp(name: 'gateway' | 'portal' | 'projector', env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', REGISTER, join(ROOT, `apps/${name}/src/main.ts`)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const app: App = { name, child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${out}`);
      const res = await fetch(`${app.url}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    `${name} ready`,
    60_000,
  );
  return app;
}

describe('operations: each app alone serves /healthz, /readyz and /metrics and stops cleanly on SIGTERM', () => {
  let db: TestDatabase;
  let dataDir: string;
  const apps: App[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-standalone-'));
  });

  afterAll(async () => {
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['portal', 'tollgate_webhook_deliveries_total'],
    ['gateway', 'tollgate_gateway_open_leases'],
    ['projector', 'tollgate_projector_lag_events'],
  ] as const)('the %s: ready, scraped (%s), JSON logs, exit 0 on SIGTERM', async (name, metric) => {
    const app = await startApp(name, {
      DATABASE_URL: db.url,
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ADMIN_TOKEN: 'standalone-admin-token-0123456789',
    });
    apps.push(app);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(`# TYPE ${metric} `);
    expect(text).toContain('process_resident_memory_bytes');

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    const lines = app
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { service?: string; msg?: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.service === name)).toBe(true);
    expect(lines.map((l) => l.msg)).toContain('stopped');
  });
});
