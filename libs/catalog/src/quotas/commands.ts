/** One API key's quotas (null = no limit of that kind). */
export interface KeyQuotas {
  keyId: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
}

/** Replaces a workspace's quotas as a whole; null = no limit of that kind. */
export interface SetWorkspaceQuotas {
  type: 'SetWorkspaceQuotas';
  workspaceId: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  creditsPerDayNanocredits: bigint | null;
  creditsPerMonthNanocredits: bigint | null;
  concurrentRequests: number | null;
  /** IANA zone whose calendar days and months the credit quotas follow. */
  timeZone: string;
  /** Quotas of single API keys of the workspace; absent or empty = none. */
  keys?: readonly KeyQuotas[];
  actor: string;
  now: string;
}

export type WorkspaceQuotasCommand = SetWorkspaceQuotas;
