import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Pool } from 'pg';
import { PostgresEventStore } from '@tollgate/event-store';
import { loadConfig } from '@tollgate/platform';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { applyCommand } from '../../../apps/cli/src/apply/apply.command';
import { migrateAll } from '../../../apps/cli/src/commands/migrate';
import type { CliRuntime } from '../../../apps/cli/src/runtime';

/** `tollgate apply -f FILE` as the CLI runs it (the command function), against its own database. */
describe('tollgate apply -f FILE', () => {
  let db: TestDatabase;
  let rt: CliRuntime;
  let dir: string;
  const env = { UPSTREAM_KEY: 'sk-from-env', UPSTREAM_URL: 'https://upstream.example.com' };

  const CATALOG = `
providers:
  - name: main
    baseUrl: \${UPSTREAM_URL}/v1
    apiKeyEnv: UPSTREAM_KEY
    region: eu
    costs:
      - model: up-small
        inputPerMillion: '0.5'
        cachedInputPerMillion: '0.25'
        outputPerMillion: '1.5'
  - name: backup
    baseUrl: https://backup.example.com/v1
    apiKey: sk-literal
    costs:
      - { model: up-small, inputPerMillion: '0.4', outputPerMillion: '1.2' }
aliases:
  - name: chat-small
    deployments:
      - { provider: main, model: up-small, priority: 0, weight: 3 }
      - { provider: backup, model: up-small, priority: 1 }
    price: { markupPercent: '40' }
    status: open
  - name: chat-draft
    policy: cost
    deployments:
      - { provider: backup, model: up-small }
    price: { inputPerMillion: '1', outputPerMillion: '3' }
`;

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  async function run(path: string, dryRun = false): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const sink = (add: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, done) {
          add(String(chunk));
          done();
        },
      });
    const code = await applyCommand(
      rt,
      { file: path, dryRun, env },
      sink((s) => (out += s)),
      sink((s) => (err += s)),
    );
    return { code, out, err };
  }

  const eventCount = async (): Promise<number> =>
    (await rt.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const tables = async (): Promise<string> => {
    const parts: string[] = [];
    for (const t of [
      'gateway_providers',
      'gateway_aliases',
      'gateway_deployments',
      'gateway_cost_profiles',
      'gateway_sell_prices',
    ])
      parts.push(JSON.stringify((await rt.pool.query(`SELECT * FROM ${t} ORDER BY 1, 2`)).rows));
    return parts.join('\n');
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-apply-'));
    const config = loadConfig({
      DATABASE_URL: db.url,
      TOLLGATE_DATA_DIR: dir,
      TOLLGATE_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    const pool = new Pool({ connectionString: db.url, max: 6 });
    pool.on('error', () => undefined);
    await migrateAll(pool, () => undefined);
    rt = { config, pool, store: new PostgresEventStore({ pool, log: () => undefined }) };
  });

  afterAll(async () => {
    await rt?.store.close();
    await rt?.pool.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given an invalid file, when applied, then it exits 1 naming each path, and nothing changes', async () => {
    const bad = file(
      'bad.yaml',
      CATALOG.replace(
        '{ provider: backup, model: up-small }\n    price',
        '{ provider: x, model: up-small }\n    price',
      )
        .replace("inputPerMillion: '0.4'", "inputPerMillion: 'cheap'")
        .replace('apiKeyEnv: UPSTREAM_KEY', 'apiKeyEnv: MISSING_KEY'),
    );
    const before = await eventCount();
    const { code, err } = await run(bad);
    expect(code).toBe(1);
    expect(err).toContain('nothing was applied');
    expect(err).toContain('providers[1].costs[0].inputPerMillion: must be a non-negative decimal string');
    expect(await eventCount()).toBe(before);

    const second = file(
      'bad2.yaml',
      CATALOG.replace(
        '{ provider: backup, model: up-small }\n    price',
        '{ provider: x, model: up-small }\n    price',
      ),
    );
    const r2 = await run(second);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('aliases[1].deployments[0].provider: unknown provider "x"');
    const r3 = await run(
      file('bad3.yaml', CATALOG.replace('apiKeyEnv: UPSTREAM_KEY', 'apiKeyEnv: MISSING_KEY')),
    );
    expect(r3.err).toContain('providers[0].apiKeyEnv: environment variable MISSING_KEY is not set');
    const r4 = await run(file('bad4.yaml', 'providers: [\n'));
    expect(r4.code).toBe(1);
    expect(r4.err).toContain('YAML');
    expect(await eventCount()).toBe(before);
    expect((await rt.pool.query('SELECT count(*)::int AS n FROM gateway_providers')).rows[0].n).toBe(0);
  });

  it('given a dry run, when applied, then the plan is printed and nothing is appended', async () => {
    const before = await eventCount();
    const { code, out } = await run(file('catalog.yaml', CATALOG), true);
    expect(code).toBe(0);
    expect(out).toContain('plan: 9 change(s) (dry run, nothing applied)');
    expect(out).toContain('provider "main": create');
    expect(out).toContain('alias "chat-small": draft → open');
    expect(await eventCount()).toBe(before);
  });

  it('given a valid file, when applied, then the catalog matches it; applied again, nothing new is appended', async () => {
    const path = file('catalog.yaml', CATALOG);
    const first = await run(path);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('[9/9]');
    const aliases = (await rt.pool.query('SELECT name, policy, status FROM gateway_aliases ORDER BY name'))
      .rows;
    expect(aliases).toEqual([
      { name: 'chat-draft', policy: 'cost', status: 'draft' },
      { name: 'chat-small', policy: 'priority', status: 'open' },
    ]);
    const providers = (
      await rt.pool.query('SELECT name, base_url, region FROM gateway_providers ORDER BY name')
    ).rows;
    expect(providers).toEqual([
      { name: 'backup', base_url: 'https://backup.example.com/v1', region: null },
      { name: 'main', base_url: 'https://upstream.example.com/v1', region: 'eu' },
    ]);
    const deployments = (
      await rt.pool.query(
        "SELECT upstream_model, priority, weight FROM gateway_deployments WHERE alias = 'chat-small' ORDER BY ordinal",
      )
    ).rows;
    expect(deployments).toEqual([
      { upstream_model: 'up-small', priority: 0, weight: 3 },
      { upstream_model: 'up-small', priority: 1, weight: 1 },
    ]);

    const events = await eventCount();
    const snapshot = await tables();
    const again = await run(path);
    expect(again.code).toBe(0);
    expect(again.out).toContain('catalog is up to date: no changes');
    expect(await eventCount()).toBe(events);
    expect(await tables()).toBe(snapshot);
  });

  it('given one changed cost, when applied, then only that change is made (a new cost version)', async () => {
    const before = await eventCount();
    const { code, out } = await run(
      file('catalog.yaml', CATALOG.replace("outputPerMillion: '1.2'", "outputPerMillion: '1.3'")),
    );
    expect(code).toBe(0);
    expect(out).toContain('applying 1 change(s)');
    expect(out).toContain('cost "backup" / up-small: new version');
    expect(await eventCount()).toBe(before + 1);
    const versions = (
      await rt.pool.query(
        "SELECT version, output_per_million FROM gateway_cost_profiles WHERE upstream_model = 'up-small' AND output_per_million LIKE '1.%' ORDER BY output_per_million",
      )
    ).rows;
    expect(versions).toContainEqual({ version: 2, output_per_million: '1.3' });
  });

  it('given an alias to open at a negative margin, when applied without override, then it is refused before anything is applied', async () => {
    const losing = CATALOG.replace(
      "price: { inputPerMillion: '1', outputPerMillion: '3' }",
      "price: { inputPerMillion: '0.1', outputPerMillion: '0.1' }\n    status: open",
    ).replace("outputPerMillion: '1.2'", "outputPerMillion: '1.3'");
    const before = await eventCount();
    const { code, err } = await run(file('losing.yaml', losing));
    expect(code).toBe(1);
    expect(err).toMatch(/aliases\[1\]\.status: cannot open: margin on backup\/up-small is -\d+\.\d\d%/);
    expect(await eventCount()).toBe(before);

    const overridden = await run(
      file(
        'override.yaml',
        losing.replace(
          "outputPerMillion: '0.1' }\n    status: open",
          "outputPerMillion: '0.1' }\n    status: open\n    overrideReason: intro offer",
        ),
      ),
    );
    expect(overridden.err).toBe('');
    expect(overridden.code).toBe(0);
    expect(
      (await rt.pool.query("SELECT status FROM gateway_aliases WHERE name = 'chat-draft'")).rows[0].status,
    ).toBe('open');
  });
});
