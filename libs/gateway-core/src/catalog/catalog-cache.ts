import { hash } from 'node:crypto';
import type { ApiKeyRecord, CatalogSnapshot, GatewayCatalog } from './catalog';

export interface CatalogCacheOptions {
  /** How long a key lookup (found or not) is trusted; revocations take effect within this. */
  keyTtlMs: number;
  /** How often the snapshot (providers, aliases, prices, costs) is reloaded in the background. */
  snapshotTtlMs: number;
  /** Bound on cached keys; the oldest entries go first. */
  maxKeys: number;
  now: () => number;
}

export const DEFAULT_CATALOG_CACHE: Omit<CatalogCacheOptions, 'now'> = {
  keyTtlMs: 5_000,
  snapshotTtlMs: 5_000,
  maxKeys: 50_000,
};

interface KeyEntry {
  record: ApiKeyRecord | null;
  expiresAtMs: number;
  pending: Promise<ApiKeyRecord | null> | null;
}

/** Runs on every /v1 request: the one-shot hash is about 3× cheaper than createHash (0.2 vs 0.6 µs). */
export function hashApiKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/**
 * Keeps the catalog in memory so the hot path does no I/O: keys by hash with a short TTL (one lookup in
 * flight per key), the snapshot reloaded in the background while the old one keeps serving.
 */
export class CatalogCache {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly keysById = new Map<string, ApiKeyRecord>();
  private snapshotValue: CatalogSnapshot | null = null;
  private snapshotExpiresAtMs = 0;
  private snapshotPending: Promise<CatalogSnapshot> | null = null;

  constructor(
    private readonly catalog: GatewayCatalog,
    private readonly options: CatalogCacheOptions,
  ) {}

  /** The key for a bearer secret, or null. Answers from memory while fresh. */
  async apiKey(secret: string): Promise<ApiKeyRecord | null> {
    const hash = hashApiKey(secret);
    const now = this.options.now();
    const entry = this.keys.get(hash);
    if (entry && entry.expiresAtMs > now) return entry.record;
    if (entry?.pending) return entry.pending;
    const pending = this.catalog.findApiKeyByHash(hash).then(
      (record) => {
        this.keys.delete(hash);
        this.keys.set(hash, {
          record,
          expiresAtMs: this.options.now() + this.options.keyTtlMs,
          pending: null,
        });
        if (record) this.keysById.set(record.id, record);
        this.evict();
        return record;
      },
      (err: unknown) => {
        if (entry) entry.pending = null;
        else this.keys.delete(hash);
        throw err;
      },
    );
    if (entry) entry.pending = pending;
    else this.keys.set(hash, { record: null, expiresAtMs: 0, pending });
    return pending;
  }

  /** The cached record of a key by its id (for booking spend into it), if cached. */
  cachedKey(id: string): ApiKeyRecord | undefined {
    return this.keysById.get(id);
  }

  /** The current snapshot; reloads in the background once stale (awaits only the very first load). */
  async snapshot(): Promise<CatalogSnapshot> {
    const now = this.options.now();
    if (this.snapshotValue && now < this.snapshotExpiresAtMs) return this.snapshotValue;
    const reload = this.snapshotPending ?? this.reloadSnapshot();
    if (this.snapshotValue) {
      reload.catch(() => undefined); // keep serving the old one; the next call retries
      return this.snapshotValue;
    }
    return reload;
  }

  /** Forgets everything: the next request reads the catalog again (admin changes, tests). */
  invalidate(): void {
    this.keys.clear();
    this.keysById.clear();
    this.snapshotExpiresAtMs = 0;
    this.snapshotValue = null;
  }

  private reloadSnapshot(): Promise<CatalogSnapshot> {
    const pending = this.catalog.loadSnapshot().then(
      (snap) => {
        this.snapshotValue = snap;
        this.snapshotExpiresAtMs = this.options.now() + this.options.snapshotTtlMs;
        this.snapshotPending = null;
        return snap;
      },
      (err: unknown) => {
        this.snapshotPending = null;
        throw err;
      },
    );
    this.snapshotPending = pending;
    return pending;
  }

  private evict(): void {
    if (this.keys.size <= this.options.maxKeys) return;
    for (const [hash, entry] of this.keys) {
      this.keys.delete(hash);
      if (entry.record) this.keysById.delete(entry.record.id);
      if (this.keys.size <= this.options.maxKeys) break;
    }
  }
}
