import { compileProviderPolicy, type ProviderPolicy, type ProviderPolicySpec } from '../routing/policy';

/** One API key's quotas set on its workspace (on top of the key's own per-minute limits). */
export interface KeyQuotaLimits {
  keyId: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
}

/** A workspace's quotas as the gateway applies them; null = no limit of that kind. */
export interface WorkspaceQuotaLimits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
  /** IANA zone of the workspace's calendar (credit days and months). */
  timeZone: string;
  /** Quotas of single keys; absent = none. */
  keys?: readonly KeyQuotaLimits[];
}

/** What the rules read model holds for one workspace. */
export interface WorkspaceRulesRecord {
  workspaceId: string;
  policy: ProviderPolicySpec | null;
  quotas: WorkspaceQuotaLimits | null;
  /** Revision of the workspace's rules stream this record reflects (newer wins in the cache). */
  revision: number;
}

/** The rules ready for the hot path. */
export interface WorkspaceRules {
  workspaceId: string;
  policy: ProviderPolicy | null;
  quotas: WorkspaceQuotaLimits | null;
  /** `quotas.keys` by key id. */
  keyQuotas: ReadonlyMap<string, KeyQuotaLimits>;
  revision: number;
}

const NO_KEY_QUOTAS: ReadonlyMap<string, KeyQuotaLimits> = new Map();

/** Where the gateway reads rules from (the workspace_rules read model in apps/gateway). */
export interface WorkspaceRulesSource {
  load(workspaceId: string): Promise<WorkspaceRulesRecord | null>;
}

export interface WorkspaceRulesCacheOptions {
  /** How long loaded rules are served before a background reload; changes elsewhere apply within it. */
  ttlMs: number;
  maxWorkspaces: number;
  now: () => number;
}

export const DEFAULT_WORKSPACE_RULES_CACHE: Omit<WorkspaceRulesCacheOptions, 'now'> = {
  ttlMs: 5_000,
  maxWorkspaces: 100_000,
};

interface Entry {
  rules: WorkspaceRules;
  expiresAtMs: number;
  pending: Promise<WorkspaceRules> | null;
}

export function compileWorkspaceRules(
  record: WorkspaceRulesRecord | null,
  workspaceId: string,
): WorkspaceRules {
  if (!record) return { workspaceId, policy: null, quotas: null, keyQuotas: NO_KEY_QUOTAS, revision: -1 };
  const keys = record.quotas?.keys ?? [];
  return {
    workspaceId,
    policy: record.policy ? compileProviderPolicy(record.policy) : null,
    quotas: record.quotas,
    keyQuotas: keys.length === 0 ? NO_KEY_QUOTAS : new Map(keys.map((k) => [k.keyId, k])),
    revision: record.revision,
  };
}

/**
 * Per-workspace rules in memory: the first request of a workspace waits for one read, later ones are
 * answered from memory and a stale entry is reloaded in the background while it keeps serving. `put`
 * installs rules this instance just wrote (before the read model has caught up); a reload never
 * replaces them with an older revision.
 */
export class WorkspaceRulesCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly source: WorkspaceRulesSource,
    private readonly options: WorkspaceRulesCacheOptions,
  ) {}

  get(workspaceId: string): WorkspaceRules | Promise<WorkspaceRules> {
    const entry = this.entries.get(workspaceId);
    if (entry) {
      if (entry.expiresAtMs <= this.options.now() && !entry.pending)
        // Keep serving what we have; a failed reload is retried by the next request.
        entry.pending = this.reload(workspaceId).catch(() => {
          entry.pending = null;
          return entry.rules;
        });
      return entry.rules;
    }
    return this.reload(workspaceId);
  }

  /** Rules this instance has just written (the admin API), in force here at once. */
  put(record: WorkspaceRulesRecord): void {
    const current = this.entries.get(record.workspaceId);
    if (current && current.rules.revision > record.revision) return;
    this.set(compileWorkspaceRules(record, record.workspaceId));
  }

  invalidate(workspaceId?: string): void {
    if (workspaceId === undefined) this.entries.clear();
    else this.entries.delete(workspaceId);
  }

  private async reload(workspaceId: string): Promise<WorkspaceRules> {
    const record = await this.source.load(workspaceId);
    const loaded = compileWorkspaceRules(record, workspaceId);
    const current = this.entries.get(workspaceId);
    if (current && current.rules.revision > loaded.revision) {
      current.expiresAtMs = this.options.now() + this.options.ttlMs;
      current.pending = null;
      return current.rules;
    }
    this.set(loaded);
    return loaded;
  }

  private set(rules: WorkspaceRules): void {
    if (!this.entries.has(rules.workspaceId) && this.entries.size >= this.options.maxWorkspaces) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(rules.workspaceId, {
      rules,
      expiresAtMs: this.options.now() + this.options.ttlMs,
      pending: null,
    });
  }
}
