import { parseDocument } from 'yaml';
import { z } from 'zod';
import { parsePricePerMillion, parseDecimal, compareDecimals } from '@tollgate/money';

/**
 * The declarative catalog file `tollgate apply -f FILE` reads (README: "Catalog file"). Strings may
 * hold `${NAME}` placeholders, replaced from the environment before validation.
 */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_ITEMS = 500;

const text = z.string().trim().min(1).max(200);
const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:/-]+$/, 'letters, digits and . _ : / - only');
const perMillion = z.string().refine((s) => {
  try {
    parsePricePerMillion(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a non-negative decimal string, e.g. "0.15"');
const percent = z.string().refine((s) => {
  try {
    return compareDecimals(parseDecimal(s, { maxScale: 6 }), parseDecimal('-100')) > 0;
  } catch {
    return false;
  }
}, 'must be a decimal percent above -100, e.g. "40"');
/** Prices may be written as YAML numbers; they are kept as the exact text. */
const decimalText = <T extends z.ZodType>(inner: T) =>
  z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v), inner);

const CostSchema = z
  .object({
    model: modelName,
    inputPerMillion: decimalText(perMillion),
    cachedInputPerMillion: decimalText(perMillion).optional(),
    outputPerMillion: decimalText(perMillion),
  })
  .strict();

const ProviderSchema = z
  .object({
    name: text,
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: z.string().min(1).max(4096).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]{0,100}$/, 'an environment variable name')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes')
      .nullable()
      .optional(),
    costs: z.array(CostSchema).max(MAX_ITEMS).default([]),
  })
  .strict();

const PriceSchema = z.union([
  z.object({ markupPercent: decimalText(percent) }).strict(),
  z
    .object({
      inputPerMillion: decimalText(perMillion),
      cachedInputPerMillion: decimalText(perMillion).optional(),
      outputPerMillion: decimalText(perMillion),
    })
    .strict(),
]);

const DeploymentSchema = z
  .object({
    provider: text,
    model: modelName,
    priority: z.number().int().min(0).max(1000).default(0),
    weight: z.number().int().min(0).max(1_000_000).default(1),
  })
  .strict();

const AliasSchema = z
  .object({
    name: modelName,
    policy: z.enum(['priority', 'cost']).default('priority'),
    defaultMaxOutputTokens: z.number().int().positive().max(10_000_000).nullable().default(null),
    deployments: z.array(DeploymentSchema).min(1).max(16),
    price: PriceSchema.optional(),
    /** Desired lifecycle status; absent = leave it as it is (new aliases start as drafts). */
    status: z.enum(['draft', 'in_review', 'open', 'paused', 'retired']).optional(),
    statusReason: z.string().trim().min(1).max(500).optional(),
    /** Opens despite a margin below the threshold (recorded with the review). */
    overrideReason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();

export const CatalogFileSchema = z
  .object({
    providers: z.array(ProviderSchema).max(MAX_ITEMS).default([]),
    aliases: z.array(AliasSchema).max(MAX_ITEMS).default([]),
  })
  .strict();

export type CatalogFile = z.infer<typeof CatalogFileSchema>;
export type CatalogFileProvider = CatalogFile['providers'][number];
export type CatalogFileAlias = CatalogFile['aliases'][number];

/** One problem in the file, at a path such as `aliases[1].deployments[0].provider`. */
export interface CatalogFileIssue {
  path: string;
  message: string;
}

export class CatalogFileError extends Error {
  readonly code = 'INVALID_CATALOG_FILE';
  constructor(readonly issues: readonly CatalogFileIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'CatalogFileError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Replaces `${NAME}` in every string; unknown names are issues at their path. */
function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[],
  issues: CatalogFileIssue[],
): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) {
        issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
        return '';
      }
      return v;
    });
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], issues));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], issues)]),
    );
  return value;
}

/** A provider's upstream key, resolved from the file or the environment. */
export interface ResolvedProvider extends CatalogFileProvider {
  resolvedApiKey: string;
}

export interface ParsedCatalogFile {
  providers: ResolvedProvider[];
  aliases: CatalogFileAlias[];
}

/**
 * Parses and checks a catalog file on its own (syntax, shapes, duplicates, keys from the environment,
 * deployments naming a provider of the file or one of `knownProviders`). Throws CatalogFileError with
 * every issue found; nothing has been applied at that point.
 */
export function parseCatalogFile(
  source: string,
  options: { env?: NodeJS.ProcessEnv; knownProviders?: ReadonlySet<string> } = {},
): ParsedCatalogFile {
  const env = options.env ?? process.env;
  if (Buffer.byteLength(source, 'utf8') > MAX_FILE_BYTES)
    throw new CatalogFileError([{ path: '', message: `file larger than ${MAX_FILE_BYTES} bytes` }]);
  const doc = parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0)
    throw new CatalogFileError(doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message}` })));
  const issues: CatalogFileIssue[] = [];
  const raw = interpolate(doc.toJS() ?? {}, env, [], issues);
  const parsed = CatalogFileSchema.safeParse(raw);
  if (!parsed.success)
    issues.push(...parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  if (issues.length > 0 || !parsed.success) throw new CatalogFileError(issues);
  const file = parsed.data;

  const providers: ResolvedProvider[] = [];
  const names = new Set<string>();
  file.providers.forEach((p, i) => {
    if (names.has(p.name))
      issues.push({ path: `providers[${i}].name`, message: `provider "${p.name}" is declared twice` });
    names.add(p.name);
    let key = p.apiKey;
    if (p.apiKey !== undefined && p.apiKeyEnv !== undefined)
      issues.push({ path: `providers[${i}]`, message: 'give either apiKey or apiKeyEnv, not both' });
    else if (p.apiKeyEnv !== undefined) {
      key = env[p.apiKeyEnv];
      if (!key)
        issues.push({
          path: `providers[${i}].apiKeyEnv`,
          message: `environment variable ${p.apiKeyEnv} is not set`,
        });
    } else if (p.apiKey === undefined)
      issues.push({ path: `providers[${i}]`, message: 'apiKey or apiKeyEnv is required' });
    const models = new Set<string>();
    p.costs.forEach((c, j) => {
      if (models.has(c.model))
        issues.push({
          path: `providers[${i}].costs[${j}].model`,
          message: `model "${c.model}" is priced twice`,
        });
      models.add(c.model);
    });
    providers.push({ ...p, resolvedApiKey: key ?? '' });
  });

  const aliasNames = new Set<string>();
  file.aliases.forEach((a, i) => {
    if (aliasNames.has(a.name))
      issues.push({ path: `aliases[${i}].name`, message: `alias "${a.name}" is declared twice` });
    aliasNames.add(a.name);
    const pairs = new Set<string>();
    a.deployments.forEach((d, j) => {
      if (!names.has(d.provider) && !options.knownProviders?.has(d.provider))
        issues.push({
          path: `aliases[${i}].deployments[${j}].provider`,
          message: `unknown provider "${d.provider}"`,
        });
      const pair = `${d.provider}\u0000${d.model}`;
      if (pairs.has(pair))
        issues.push({
          path: `aliases[${i}].deployments[${j}]`,
          message: `deployment ${d.provider}/${d.model} appears twice`,
        });
      pairs.add(pair);
    });
  });
  if (issues.length > 0) throw new CatalogFileError(issues);
  return { providers, aliases: file.aliases };
}
