import { CatalogFileError, parseCatalogFile } from './catalog-file';

function issues(source: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseCatalogFile(source, { env });
  } catch (e) {
    if (e instanceof CatalogFileError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

const PROVIDER = `providers:
  - name: p
    baseUrl: https://p.example.com/v1
    apiKey: sk
    costs: [{ model: m, inputPerMillion: 0.5, outputPerMillion: '1.5' }]
`;

describe('catalog file parsing', () => {
  it('given a valid file with numbers as prices and ${VAR}s, when parsed, then prices are exact strings and variables are filled in', () => {
    const parsed = parseCatalogFile(
      `${PROVIDER.replace('https://p.example.com', '${BASE}')}aliases:
  - name: chat
    deployments: [{ provider: p, model: m }]
    price: { markupPercent: 40 }
    status: open
`,
      { env: { BASE: 'https://b.example.com' } },
    );
    expect(parsed.providers[0]).toMatchObject({ baseUrl: 'https://b.example.com/v1', resolvedApiKey: 'sk' });
    expect(parsed.providers[0].costs[0].inputPerMillion).toBe('0.5');
    expect(parsed.aliases[0]).toMatchObject({ policy: 'priority', price: { markupPercent: '40' } });
    expect(parsed.aliases[0].deployments[0]).toEqual({ provider: 'p', model: 'm', priority: 0, weight: 1 });
  });

  it('given shape mistakes, when parsed, then each is reported at its path; references are checked once the shape is right', () => {
    expect(
      issues(`${PROVIDER}aliases:
  - name: ok
    deployments: [{ provider: p, model: m }]
  - name: bad
    deployments: [{ provider: x, model: m }, { provider: p, model: m, weight: -1 }]
    colour: blue
`),
    ).toEqual([
      'aliases[1].deployments[1].weight: Too small: expected number to be >=0',
      'aliases[1]: Unrecognized key: "colour"',
    ]);
    expect(
      issues(`${PROVIDER}aliases:
  - name: bad
    deployments: [{ provider: x, model: m }]
`),
    ).toEqual(['aliases[0].deployments[0].provider: unknown provider "x"']);
  });

  it('given a key from a missing variable, both key kinds, or duplicates, when parsed, then each is named', () => {
    expect(issues(PROVIDER.replace('apiKey: sk', 'apiKeyEnv: NOPE'))).toEqual([
      'providers[0].apiKeyEnv: environment variable NOPE is not set',
    ]);
    expect(issues(PROVIDER.replace('apiKey: sk', 'apiKey: sk\n    apiKeyEnv: K'), { K: 'x' })).toEqual([
      'providers[0]: give either apiKey or apiKeyEnv, not both',
    ]);
    expect(issues(`${PROVIDER}${PROVIDER.replace('providers:\n', '')}`)).toEqual([
      'providers[1].name: provider "p" is declared twice',
    ]);
    expect(issues('providers: [')[0]).toMatch(/^: YAML: /);
  });
});
