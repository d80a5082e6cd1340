import type { TokenPrices } from '@tollgate/money';
import type { SellPrice } from '../metering/pricing';
import type { RoutingPolicy } from '../routing/router';

/** A customer API key as the gateway sees it (never the secret: only its hash is stored). */
export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  /** The credit account its requests are charged to. */
  accountId: string;
  /** Visible start of the key, e.g. `tg_live_ab12cd34`, for listings. */
  prefix: string;
  /** Alias names this key may use; null = all. */
  allowedModels: readonly string[] | null;
  spendLimitNanocredits: bigint | null;
  /** What this key has spent so far, as last persisted. */
  spentNanocredits: bigint;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  revoked: boolean;
  /** An operator's test key: may also route aliases that are not open (drafts under review). */
  adminTest: boolean;
}

export interface ProviderRecord {
  id: string;
  name: string;
  kind: 'openai_compatible';
  /** e.g. `https://api.openai.com/v1`; endpoint paths are appended. */
  baseUrl: string;
  /** Decrypted upstream key; lives only in memory. */
  apiKey: string;
  /** Residency tag such as "eu" (per-workspace provider policy); null = none. */
  region: string | null;
}

export interface DeploymentRecord {
  id: string;
  providerId: string;
  upstreamModel: string;
  priority: number;
  weight: number;
}

export interface AliasRecord {
  name: string;
  policy: RoutingPolicy;
  /** Output cap assumed for admission when a request sets none. */
  defaultMaxOutputTokens: number | null;
  deployments: readonly DeploymentRecord[];
  createdAtMs: number;
  /** Lifecycle: only `open` aliases serve customer keys; admin test keys may use the others. */
  status: AliasStatus;
}

export type AliasStatus = 'draft' | 'in_review' | 'open' | 'paused' | 'retired';

/** Whether a key may route (and list) this alias given its lifecycle status. */
export function aliasServes(alias: AliasRecord, key: ApiKeyRecord): boolean {
  return alias.status === 'open' || (key.adminTest && alias.status !== 'retired');
}

/** A price or cost valid from `effectiveAtMs` until the next version of the same thing takes over. */
export interface Versioned<T> {
  version: number;
  effectiveAtMs: number;
  value: T;
}

/** Everything but keys: small, read in one go and kept in memory by the gateway. */
export interface CatalogSnapshot {
  providers: ReadonlyMap<string, ProviderRecord>;
  aliases: ReadonlyMap<string, AliasRecord>;
  /** Per alias, newest effective time first. */
  sellPrices: ReadonlyMap<string, readonly Versioned<SellPrice>[]>;
  /** Per `costProfileKey(provider, upstreamModel)`, newest effective time first. */
  costProfiles: ReadonlyMap<string, readonly Versioned<TokenPrices>[]>;
}

/** The gateway's configuration source (the port; Postgres implements it in apps/gateway). */
export interface GatewayCatalog {
  /** Looks a key up by the sha256 hex of its secret. */
  findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | null>;
  loadSnapshot(): Promise<CatalogSnapshot>;
}

export function costProfileKey(providerId: string, upstreamModel: string): string {
  return `${providerId}\u0000${upstreamModel}`;
}

/** The version in force at `atMs` from a newest-first list, or null if none has started yet. */
export function versionAt<T>(
  versions: readonly Versioned<T>[] | undefined,
  atMs: number,
): Versioned<T> | null {
  if (!versions) return null;
  for (const v of versions) if (v.effectiveAtMs <= atMs) return v;
  return null;
}
