import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from './config';

/** The variables listed in the README's one configuration table. */
function documentedVariables(): Set<string> {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('## Configuration');
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1]));
}

describe('configuration is documented', () => {
  it('given the variables loadConfig reads, then each has a row in the README configuration table', () => {
    const documented = documentedVariables();
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT']),
    );
    expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('given an empty value (a compose `${VAR:-}`), then it counts as unset', () => {
    const config = loadConfig({
      TOLLGATE_DATA_DIR: '/tmp/unused',
      TOLLGATE_ADMIN_TOKEN: 'an-admin-token-of-some-length',
      TOLLGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      LOG_LEVEL: '',
    });
    expect(config.otelEndpoint).toBeUndefined();
    expect(config.logLevel).toBe('silent'); // jest sets NODE_ENV=test
  });

  it('given shutdown bounds, then they are read as milliseconds and bad ones are refused', () => {
    const base = {
      TOLLGATE_DATA_DIR: '/tmp/unused',
      TOLLGATE_ADMIN_TOKEN: 'an-admin-token-of-some-length',
      TOLLGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    expect(loadConfig({ ...base, TOLLGATE_SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    expect(loadConfig(base).shutdownDelayMs).toBe(0);
    expect(() => loadConfig({ ...base, TOLLGATE_SHUTDOWN_DELAY_MS: '-1' })).toThrow(
      /TOLLGATE_SHUTDOWN_DELAY_MS/,
    );
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
