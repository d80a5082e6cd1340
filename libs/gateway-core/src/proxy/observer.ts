import type { UsageRecord } from '../admission/admission';
import type { Endpoint } from '../openai/schemas';

/**
 * Optional hooks on the /v1 hot path (metrics, request log, traces). Implementations must be cheap:
 * counters and histograms on pre-bound label children, no I/O, never throw.
 */
export interface ProxyObserver {
  /** A /v1 request reached the proxy; the returned handle follows it to its end. */
  request(requestId: string, endpoint: Endpoint, startedAt: number): RequestObserver;
}

/** One request's observations, in order: attempts, first byte, settlement, end. */
export interface RequestObserver {
  /** An upstream attempt starts (the second and later ones are fallbacks). */
  attempt(deploymentId: string, providerId: string): void;
  /** The current attempt's first bytes went to the client (time to first token for streams). */
  firstByte(): void;
  /** The current attempt ended; `outcome` is the attempt status recorded in the usage. */
  attemptEnded(outcome: string): void;
  /** The admitted request was metered and handed to admission for charging. */
  settled(record: UsageRecord): void;
  /** The response is over; `error` is what was answered instead of a result, if anything. */
  end(httpStatus: number, error: unknown): void;
}
