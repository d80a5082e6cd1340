import type { WorkspaceQuotasSet } from '../events';

/** The quotas in force for a workspace (the content of its last WorkspaceQuotasSet). */
export interface WorkspaceQuotas {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
  timeZone: string;
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
