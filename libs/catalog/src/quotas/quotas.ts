import type { KeyQuotasData, WorkspaceQuotasSet } from '../events';
import type { KeyQuotas } from './commands';

/** The quotas in force for a workspace (the content of its last WorkspaceQuotasSet). */
export interface WorkspaceQuotas {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
  timeZone: string;
  /** Per-key quotas, by key id order as set. */
  keys: readonly KeyQuotas[];
}

const big = (s: string | null): bigint | null => (s === null ? null : BigInt(s));

export function keyQuotasOf(k: KeyQuotasData): KeyQuotas {
  return {
    keyId: k.keyId,
    requestsPerMinute: k.requestsPerMinute,
    tokensPerMinute: k.tokensPerMinute,
    creditsPerDayNanocredits: big(k.creditsPerDayNanocredits),
    creditsPerMonthNanocredits: big(k.creditsPerMonthNanocredits),
    concurrentRequests: k.concurrentRequests,
  };
}

export function keyQuotasData(k: KeyQuotas): KeyQuotasData {
  return {
    keyId: k.keyId,
    requestsPerMinute: k.requestsPerMinute,
    tokensPerMinute: k.tokensPerMinute,
    creditsPerDayNanocredits: k.creditsPerDayNanocredits?.toString() ?? null,
    creditsPerMonthNanocredits: k.creditsPerMonthNanocredits?.toString() ?? null,
    concurrentRequests: k.concurrentRequests,
  };
}

export function quotasOf(event: WorkspaceQuotasSet): WorkspaceQuotas {
  return {
    requestsPerMinute: event.requestsPerMinute,
    tokensPerMinute: event.tokensPerMinute,
    creditsPerDayNanocredits:
      event.creditsPerDayNanocredits === null ? null : BigInt(event.creditsPerDayNanocredits),
    creditsPerMonthNanocredits:
      event.creditsPerMonthNanocredits === null ? null : BigInt(event.creditsPerMonthNanocredits),
    concurrentRequests: event.concurrentRequests,
    timeZone: event.timeZone,
    keys: (event.keys ?? []).map(keyQuotasOf),
  };
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
