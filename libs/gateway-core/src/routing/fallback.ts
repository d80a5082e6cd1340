/** Why one attempt at a deployment failed. */
export type AttemptFailure =
  | { kind: 'connect'; message: string }
  | { kind: 'timeout'; phase: 'connect' | 'headers' | 'body' }
  | { kind: 'status'; status: number }
  /** The upstream's stream ended or broke before its final event. */
  | { kind: 'stream_cut' }
  /** The upstream answered 2xx with something that is not the API's shape. */
  | { kind: 'protocol'; message: string };

export type FailureClass = 'retryable' | 'final';

/**
 * Whether the next deployment should be tried. Connection errors, timeouts, 429 and 5xx are the
 * deployment's trouble: retryable. A 4xx is about the request itself and would fail anywhere — except
 * 401/403/404/408, which say this deployment's credentials, model or patience are wrong, not the client's.
 */
export function classifyFailure(failure: AttemptFailure): FailureClass {
  switch (failure.kind) {
    case 'connect':
    case 'timeout':
    case 'stream_cut':
    case 'protocol':
      return 'retryable';
    case 'status': {
      const s = failure.status;
      if (s === 429 || s >= 500) return 'retryable';
      if (s === 401 || s === 403 || s === 404 || s === 408) return 'retryable';
      return 'final';
    }
    default: {
      const never: never = failure;
      throw new Error(`unknown failure ${JSON.stringify(never)}`);
    }
  }
}

/** Whether a failure counts against the deployment's circuit breaker (a client's bad request does not). */
export function countsAgainstDeployment(failure: AttemptFailure): boolean {
  return classifyFailure(failure) === 'retryable';
}

export function describeFailure(failure: AttemptFailure): string {
  switch (failure.kind) {
    case 'connect':
      return `connection failed: ${failure.message}`;
    case 'timeout':
      return `timed out waiting for ${failure.phase}`;
    case 'status':
      return `upstream answered ${failure.status}`;
    case 'stream_cut':
      return 'upstream stream ended early';
    case 'protocol':
      return `upstream protocol error: ${failure.message}`;
    default: {
      const never: never = failure;
      return String(never);
    }
  }
}
