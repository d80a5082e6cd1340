import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { spawnApp, type SpawnedApp } from './support/spawn-tollgate';

jest.setTimeout(120_000);

describe('operations: each app alone serves /healthz, /readyz and /metrics and stops cleanly on SIGTERM', () => {
  let db: TestDatabase;
  let dataDir: string;
  const apps: SpawnedApp[] = [];

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
    const app = await spawnApp(name, {
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
