import type { ApiKeyRecord } from '../catalog/catalog';

/**
 * Per-key spend limits on top of the persisted spend: what this instance holds for requests in flight
 * and what it has charged but not yet persisted count too, so a key cannot outrun its limit between
 * two flushes. Flushed amounts are added to the cached key record until the next reload brings them.
 */
export class KeySpendTracker {
  private readonly inflight = new Map<string, bigint>();
  private readonly unflushed = new Map<string, bigint>();

  /** Holds `worstCase` against the key's limit; false when it would exceed it. */
  tryHold(key: ApiKeyRecord, worstCaseNanocredits: bigint): boolean {
    if (key.spendLimitNanocredits === null) return true;
    const used =
      key.spentNanocredits + (this.inflight.get(key.id) ?? 0n) + (this.unflushed.get(key.id) ?? 0n);
    if (used + worstCaseNanocredits > key.spendLimitNanocredits) return false;
    this.inflight.set(key.id, (this.inflight.get(key.id) ?? 0n) + worstCaseNanocredits);
    return true;
  }

  /** Ends a hold and books the actual charge as unflushed spend. */
  settle(key: ApiKeyRecord, heldNanocredits: bigint, chargedNanocredits: bigint): void {
    if (key.spendLimitNanocredits !== null) {
      const left = (this.inflight.get(key.id) ?? 0n) - heldNanocredits;
      if (left > 0n) this.inflight.set(key.id, left);
      else this.inflight.delete(key.id);
    }
    if (chargedNanocredits > 0n)
      this.unflushed.set(key.id, (this.unflushed.get(key.id) ?? 0n) + chargedNanocredits);
  }

  /** Takes the unflushed spend for persisting; `persisted` must be called with the same entries. */
  drain(): Array<{ apiKeyId: string; nanocredits: bigint }> {
    const out: Array<{ apiKeyId: string; nanocredits: bigint }> = [];
    for (const [apiKeyId, nanocredits] of this.unflushed) out.push({ apiKeyId, nanocredits });
    return out;
  }

  /** After a successful write: move the amounts from unflushed into the cached records. */
  persisted(
    entries: ReadonlyArray<{ apiKeyId: string; nanocredits: bigint }>,
    cached: (id: string) => ApiKeyRecord | undefined,
  ): void {
    for (const { apiKeyId, nanocredits } of entries) {
      const left = (this.unflushed.get(apiKeyId) ?? 0n) - nanocredits;
      if (left > 0n) this.unflushed.set(apiKeyId, left);
      else this.unflushed.delete(apiKeyId);
      const record = cached(apiKeyId);
      if (record) record.spentNanocredits += nanocredits;
    }
  }
}
