import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
}

/** The variables documented in the README's one configuration table. */
function documentedVariables(): Set<string> {
  const readme = read('README.md');
  const start = readme.indexOf('## Configuration');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1]));
}

// `docker compose config` needs the compose plugin, which these machines do not have: the file is
// checked against the Compose specification's own JSON schema instead: test/fixtures/compose-spec.json
// is compose-spec/compose-spec's schema/compose-spec.json at commit 170098ba07d9 (June 2026), verbatim.
describe('deployment shape: docker-compose.yml, nginx, Dockerfile', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
  const services = compose.services;
  const tollgateApps = Object.entries(services).filter(([, s]) => s.image === 'tollgate:latest');

  it('is valid against the compose-spec JSON schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(read('test/fixtures/compose-spec.json')) as object);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('and the schema check can fail: a misspelt key is refused', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(read('test/fixtures/compose-spec.json')) as object);
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.portal.helthcheck = broken.services.portal.healthcheck;
    expect(validate(broken)).toBe(false);
  });

  it('runs EventStoreDB, PostgreSQL, two gateway replicas behind a proxy, the portal and the projector', () => {
    expect(services.eventstore.image).toMatch(/^(eventstore\/eventstore|kurrentplatform\/kurrentdb)/);
    expect(services.postgres.image).toMatch(/^postgres:/);
    const gateways = tollgateApps.filter(([, s]) =>
      s.command?.join(' ').includes('apps/gateway/src/main.js'),
    );
    expect(gateways.map(([name]) => name).sort()).toEqual(['gateway-1', 'gateway-2']);
    // The portal service is the all-in-one command (pages, admin API, reactors); see the compose file.
    expect(services.portal.command).toEqual(['node', 'dist/apps/cli/src/main.js', 'start']);
    expect(services.projector.command).toEqual(['node', 'dist/apps/projector/src/main.js']);
    const nginx = read('deploy/nginx.conf');
    expect(services.proxy.image).toMatch(/^nginx:/);
    for (const [name] of gateways) expect(nginx).toContain(`server ${name}:8080`);
    expect(nginx).toMatch(/location \/v1\/ \{[^}]*proxy_pass http:\/\/gateways;/);
    expect(nginx).toMatch(/location \/ \{[^}]*proxy_pass http:\/\/portal;/);
    expect(nginx).toMatch(/location = \/metrics \{\s*return 404;/);
  });

  it('gives every service a healthcheck and waits for healthy (or migrated) dependencies', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.profiles) continue; // optional tools (tests, monitoring)
      if (name !== 'migrate')
        expect({ name, healthcheck: Boolean(s.healthcheck) }).toEqual({ name, healthcheck: true });
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        if (condition === 'service_healthy')
          expect({ dep, healthcheck: Boolean(services[dep].healthcheck) }).toEqual({
            dep,
            healthcheck: true,
          });
      }
    }
    for (const [name, s] of tollgateApps) {
      if (name === 'migrate') continue;
      expect({ name, migrate: s.depends_on?.migrate?.condition }).toEqual({
        name,
        migrate: 'service_completed_successfully',
      });
      expect(s.healthcheck!.test.join(' ')).toContain('/readyz');
      expect(s.stop_grace_period).toBeDefined();
    }
    expect(services.proxy.depends_on).toMatchObject({
      'gateway-1': { condition: 'service_healthy' },
      'gateway-2': { condition: 'service_healthy' },
      portal: { condition: 'service_healthy' },
    });
  });

  it('configures the apps only through environment variables that the README documents, secrets without defaults', () => {
    const documented = documentedVariables();
    for (const [name, s] of tollgateApps)
      for (const variable of Object.keys(s.environment ?? {}))
        expect({ service: name, variable, documented: documented.has(variable) }).toEqual({
          service: name,
          variable,
          documented: true,
        });
    const raw = read('docker-compose.yml');
    expect(raw).toMatch(/TOLLGATE_MASTER_KEY: \$\{TOLLGATE_MASTER_KEY:\?/);
    expect(raw).toMatch(/TOLLGATE_ADMIN_TOKEN: \$\{TOLLGATE_ADMIN_TOKEN:\?/);
  });

  it('builds a multi-stage, non-root production image with Chromium for PDFs', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/COPY --from=build/);
    expect(dockerfile).toMatch(/apt-get install[^\n]*chromium/);
    expect(dockerfile).toMatch(/CHROME_PATH=\/usr\/bin\/chromium/);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});
