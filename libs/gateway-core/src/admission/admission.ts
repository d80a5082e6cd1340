/** One upstream attempt of a request, as recorded in its usage. */
export interface AttemptRecord {
  deployment: string;
  provider: string;
  /** 'succeeded', 'failed', 'timeout', 'rate_limited', 'circuit_open', 'client_cancelled', 'stream_cut'. */
  status: string;
  errorCode?: string;
  latencyMs: number;
}

export type UsageStatus = 'succeeded' | 'failed' | 'client_cancelled';

/** The facts of one admitted request: the ledger's UsageRecorded, minus what the lease holder adds. */
export interface UsageRecord {
  requestId: string;
  accountId: string;
  workspaceId: string;
  apiKeyId: string;
  alias: string;
  /** Empty when no deployment answered. */
  provider: string;
  deployment: string;
  upstreamModel: string;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  estimated: boolean;
  providerCostNanocredits: bigint;
  /** The charge; 0 for a failed request. */
  priceNanocredits: bigint;
  latencyMs: number;
  status: UsageStatus;
  attempts: AttemptRecord[];
  occurredAt: Date;
}

/** A request admitted against an account's credits, to be settled with its usage exactly once. */
export interface AdmissionTicket {
  readonly accountId: string;
  readonly leaseId: string;
  /** The worst case held for this request. */
  readonly heldNanocredits: bigint;
}

/**
 * Credit admission (the port). `admit` holds a request's worst case against the account's credits, or
 * answers null when the account cannot cover it; `settle` releases the hold and charges the recorded
 * price. Implementations must not do synchronous ledger I/O in `admit` while a lease covers the request,
 * and `settle` must not block the response.
 */
export interface CreditAdmission {
  admit(accountId: string, worstCaseNanocredits: bigint): Promise<AdmissionTicket | null>;
  settle(ticket: AdmissionTicket, usage: UsageRecord): void;
  /** Records all settled usage now (tests, before shutdown). */
  flush(): Promise<void>;
  /** Stops admitting, waits (bounded) for requests in flight, records their usage and ends every hold. */
  close(): Promise<void>;
}
