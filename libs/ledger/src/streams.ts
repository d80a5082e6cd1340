/** Stream naming, in one place so the gateway, handlers and projections agree. */
export const ACCOUNT_STREAM_PREFIX = 'account-';
export const USAGE_STREAM_PREFIX = 'usage-';

export function accountStream(accountId: string): string {
  return ACCOUNT_STREAM_PREFIX + accountId;
}

/** One usage stream per credit lease, written only by the lease holder. */
export function usageStream(accountId: string, leaseId: string): string {
  return `${USAGE_STREAM_PREFIX}${accountId}-${leaseId}`;
}

export function isAccountStream(streamId: string): boolean {
  return streamId.startsWith(ACCOUNT_STREAM_PREFIX);
}

export function isUsageStream(streamId: string): boolean {
  return streamId.startsWith(USAGE_STREAM_PREFIX);
}
