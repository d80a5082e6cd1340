import {
  ALIAS_TRANSITIONS,
  blockingLines,
  reviewLines,
  sameValue,
  type AliasStatus,
  type DeploymentSpec,
  type SellPriceSpec,
  type TokenCost,
} from '@tollgate/catalog';
import type { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import {
  CatalogFileError,
  parseCatalogFile,
  type CatalogFileAlias,
  type CatalogFileIssue,
  type ParsedCatalogFile,
  type ResolvedProvider,
} from './catalog-file';

/** One change the file asks for, in the order it is applied. */
export type PlannedChange =
  | { kind: 'create_provider'; provider: ResolvedProvider }
  | { kind: 'update_provider'; providerId: string; provider: ResolvedProvider }
  | { kind: 'rotate_provider_key'; providerId: string; provider: ResolvedProvider }
  | { kind: 'set_cost'; provider: string; model: string; cost: TokenCost }
  | { kind: 'define_alias'; alias: CatalogFileAlias; created: boolean }
  | { kind: 'set_price'; alias: string; price: SellPriceSpec }
  | { kind: 'change_status'; alias: CatalogFileAlias; from: AliasStatus | null; to: AliasStatus };

export function describeChange(c: PlannedChange): string {
  switch (c.kind) {
    case 'create_provider':
      return `provider "${c.provider.name}": create (${c.provider.baseUrl})`;
    case 'update_provider':
      return `provider "${c.provider.name}": update base URL / region (${c.provider.baseUrl}, region ${c.provider.region ?? 'none'})`;
    case 'rotate_provider_key':
      return `provider "${c.provider.name}": rotate upstream key`;
    case 'set_cost':
      return `cost "${c.provider}" / ${c.model}: new version (in ${c.cost.inputPerMillion}, cached ${c.cost.cachedInputPerMillion ?? 'same as input'}, out ${c.cost.outputPerMillion} per 1M)`;
    case 'define_alias':
      return `alias "${c.alias.name}": ${c.created ? 'create (draft)' : 'replace routing'} with ${c.alias.deployments.length} deployment(s)`;
    case 'set_price':
      return `price "${c.alias}": new version (${c.price.kind === 'markup' ? `markup ${c.price.markupPercent}%` : `in ${c.price.inputPerMillion}, out ${c.price.outputPerMillion} per 1M`})`;
    case 'change_status':
      return `alias "${c.alias.name}": ${c.from ?? 'draft'} → ${c.to}`;
    default: {
      const never: never = c;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function costOf(p: ResolvedProvider['costs'][number]): TokenCost {
  return {
    inputPerMillion: p.inputPerMillion,
    cachedInputPerMillion: p.cachedInputPerMillion ?? null,
    outputPerMillion: p.outputPerMillion,
  };
}

function priceOf(a: CatalogFileAlias): SellPriceSpec | null {
  const p = a.price;
  if (!p) return null;
  return 'markupPercent' in p
    ? { kind: 'markup', markupPercent: p.markupPercent }
    : {
        kind: 'per_million',
        inputPerMillion: p.inputPerMillion,
        cachedInputPerMillion: p.cachedInputPerMillion ?? null,
        outputPerMillion: p.outputPerMillion,
      };
}

const routingKey = (providerId: string, model: string): string => `${providerId}\u0000${model}`;

/**
 * Compares the file with the catalog as it is and lists what would change; checks what needs the
 * catalog (margins of aliases to open). Throws CatalogFileError: nothing is applied then.
 */
export async function planCatalog(admin: GatewayAdmin, file: ParsedCatalogFile): Promise<PlannedChange[]> {
  const changes: PlannedChange[] = [];
  const issues: CatalogFileIssue[] = [];
  const existing = new Map((await admin.listProviders()).map((p) => [p.name, p]));

  for (const p of file.providers) {
    const current = existing.get(p.name);
    if (!current) changes.push({ kind: 'create_provider', provider: p });
    else {
      if (current.baseUrl !== p.baseUrl || (p.region !== undefined && current.region !== p.region))
        changes.push({ kind: 'update_provider', providerId: current.id, provider: p });
      if (!(await admin.providerKeyMatches(current.id, p.resolvedApiKey)))
        changes.push({ kind: 'rotate_provider_key', providerId: current.id, provider: p });
    }
  }
  // Costs the catalog will have once the file is applied, per (provider name, model).
  const costAfter = new Map<string, TokenCost | null>();
  for (const p of file.providers)
    for (const c of p.costs) {
      const cost = costOf(c);
      const current = existing.get(p.name);
      const inForce = current ? await admin.costInForce(current.id, c.model) : null;
      if (!inForce || !sameValue(inForce, cost))
        changes.push({ kind: 'set_cost', provider: p.name, model: c.model, cost });
      costAfter.set(routingKey(p.name, c.model), cost);
    }

  const aliases = new Map((await admin.listAliases(file.aliases.map((a) => a.name))).map((a) => [a.name, a]));
  const statusChanges: PlannedChange[] = [];
  const priceChanges: PlannedChange[] = [];
  for (const [i, a] of file.aliases.entries()) {
    const current = aliases.get(a.name);
    const deployments = a.deployments.map((d) => ({
      providerId: existing.get(d.provider)?.id ?? `(new) ${d.provider}`,
      upstreamModel: d.model,
      priority: d.priority,
      weight: d.weight,
    }));
    const routingSame =
      current !== undefined &&
      current.policy === a.policy &&
      current.defaultMaxOutputTokens === a.defaultMaxOutputTokens &&
      sameValue(
        current.deployments.map((d) => ({
          providerId: d.providerId,
          upstreamModel: d.upstreamModel,
          priority: d.priority,
          weight: d.weight,
        })),
        deployments,
      );
    if (!routingSame) changes.push({ kind: 'define_alias', alias: a, created: current === undefined });
    if (current?.status === 'retired')
      issues.push({ path: `aliases[${i}].name`, message: `alias "${a.name}" is retired and cannot change` });

    const price = priceOf(a);
    const priceInForce = await admin.priceInForce(a.name);
    if (price && (!priceInForce || !sameValue(priceInForce, price)))
      priceChanges.push({ kind: 'set_price', alias: a.name, price });

    const from = current?.status ?? null;
    const to = a.status;
    if (to && to !== (from ?? 'draft')) {
      const start = from ?? 'draft';
      // Opening a draft passes through review on the way.
      const allowed = ALIAS_TRANSITIONS[start].includes(to) || (start === 'draft' && to === 'open');
      if (!allowed)
        issues.push({ path: `aliases[${i}].status`, message: `cannot go from ${start} to ${to}` });
      statusChanges.push({ kind: 'change_status', alias: a, from, to });
      if (to === 'open' && !a.overrideReason) {
        // The review opening will record, worked out from what the catalog will hold.
        const specs: DeploymentSpec[] = a.deployments.map((d, j) => ({
          deploymentId: String(j),
          providerId: d.provider,
          upstreamModel: d.model,
          priority: d.priority,
          weight: d.weight,
        }));
        const costs = new Map<string, TokenCost | null>();
        for (const d of a.deployments) {
          const key = routingKey(d.provider, d.model);
          if (costAfter.has(key)) costs.set(key, costAfter.get(key) ?? null);
          else {
            const id = existing.get(d.provider)?.id;
            costs.set(key, id ? await admin.costInForce(id, d.model) : null);
          }
        }
        const lines = reviewLines(
          specs,
          (d) => costs.get(routingKey(d.providerId, d.upstreamModel)) ?? null,
          price ?? priceInForce,
        );
        for (const l of blockingLines(lines, admin.marginThresholdPercent))
          issues.push({
            path: `aliases[${i}].status`,
            message: `cannot open: margin on ${l.providerId}/${l.upstreamModel} is ${
              l.marginPercent === null ? 'unknown (no cost or price)' : `${l.marginPercent}%`
            }, below the ${admin.marginThresholdPercent}% threshold; add overrideReason to open anyway`,
          });
      }
    }
  }
  if (issues.length > 0) throw new CatalogFileError(issues);
  return [...changes, ...priceChanges, ...statusChanges];
}

export interface ApplyOptions {
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  actor?: string;
  say?: (line: string) => void;
}

export interface ApplyResult {
  changes: PlannedChange[];
  applied: boolean;
}

/**
 * Applies a catalog file through GatewayAdmin (the same commands as the admin API): validates all of
 * it first, plans against the catalog, then applies in dependency order — providers, costs, aliases,
 * prices, statuses. Applying the same file again plans nothing and appends nothing.
 */
export async function applyCatalog(
  admin: GatewayAdmin,
  source: string,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const say = options.say ?? (() => undefined);
  const actor = options.actor ?? 'tollgate-apply';
  const known = new Set((await admin.listProviders()).map((p) => p.name));
  const file = parseCatalogFile(source, { env: options.env, knownProviders: known });
  const changes = await planCatalog(admin, file);
  if (changes.length === 0) {
    say('catalog is up to date: no changes');
    return { changes, applied: false };
  }
  if (options.dryRun) {
    say(`plan: ${changes.length} change(s) (dry run, nothing applied)`);
    for (const c of changes) say(`  ~ ${describeChange(c)}`);
    return { changes, applied: false };
  }
  say(`applying ${changes.length} change(s)`);
  const ids = new Map((await admin.listProviders()).map((p) => [p.name, p.id]));
  const providerId = (name: string): string => {
    const id = ids.get(name);
    if (!id) throw new Error(`provider "${name}" is missing after it was created`);
    return id;
  };
  for (const [n, c] of changes.entries()) {
    say(`  [${n + 1}/${changes.length}] ${describeChange(c)}`);
    switch (c.kind) {
      case 'create_provider': {
        const { id } = await admin.createProvider({
          name: c.provider.name,
          baseUrl: c.provider.baseUrl,
          apiKey: c.provider.resolvedApiKey,
          region: c.provider.region ?? null,
          actor,
        });
        ids.set(c.provider.name, id);
        break;
      }
      case 'update_provider':
        await admin.updateProvider(c.providerId, {
          baseUrl: c.provider.baseUrl,
          ...(c.provider.region !== undefined ? { region: c.provider.region } : {}),
          actor,
        });
        break;
      case 'rotate_provider_key':
        await admin.rotateProviderKey(c.providerId, c.provider.resolvedApiKey, actor);
        break;
      case 'set_cost':
        await admin.setCostProfile({
          providerId: providerId(c.provider),
          upstreamModel: c.model,
          inputPerMillion: c.cost.inputPerMillion,
          ...(c.cost.cachedInputPerMillion !== null
            ? { cachedInputPerMillion: c.cost.cachedInputPerMillion }
            : {}),
          outputPerMillion: c.cost.outputPerMillion,
          actor,
        });
        break;
      case 'define_alias':
        await admin.upsertAlias({
          name: c.alias.name,
          policy: c.alias.policy,
          defaultMaxOutputTokens: c.alias.defaultMaxOutputTokens,
          deployments: c.alias.deployments.map((d) => ({
            providerId: providerId(d.provider),
            upstreamModel: d.model,
            priority: d.priority,
            weight: d.weight,
          })),
          actor,
        });
        break;
      case 'set_price':
        await admin.setSellPrice({
          alias: c.alias,
          price:
            c.price.kind === 'markup'
              ? c.price
              : {
                  kind: 'per_million',
                  inputPerMillion: c.price.inputPerMillion,
                  ...(c.price.cachedInputPerMillion !== null
                    ? { cachedInputPerMillion: c.price.cachedInputPerMillion }
                    : {}),
                  outputPerMillion: c.price.outputPerMillion,
                },
          actor,
        });
        break;
      case 'change_status':
        await admin.changeAliasStatus(c.alias.name, {
          to: c.to,
          reason: c.alias.statusReason ?? `declared ${c.to} in the catalog file`,
          overrideReason: c.alias.overrideReason ?? null,
          actor,
        });
        break;
      default: {
        const never: never = c;
        throw new Error(`unknown change ${JSON.stringify(never)}`);
      }
    }
  }
  say(`applied ${changes.length} change(s)`);
  return { changes, applied: true };
}
