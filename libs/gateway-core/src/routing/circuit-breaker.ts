export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses attempts before one probe may go through. */
  coolDownMs: number;
  /** Milliseconds clock; injectable for tests. */
  now: () => number;
}

export const DEFAULT_CIRCUIT_BREAKER: Omit<CircuitBreakerOptions, 'now'> = {
  failureThreshold: 5,
  coolDownMs: 30_000,
};

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Per-deployment breaker: closed → (N consecutive failures) → open → (cool-down) → half-open, where
 * exactly one probe is let through; its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs = 0;
  private probeStartedAtMs: number | null = null;
  private stateValue: CircuitState = 'closed';

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): CircuitState {
    if (this.stateValue === 'open' && this.options.now() - this.openedAtMs >= this.options.coolDownMs)
      return 'half_open';
    return this.stateValue;
  }

  /** True when an attempt may go to this deployment now (and, if half-open, claims the probe). */
  tryAcquire(): boolean {
    switch (this.stateValue) {
      case 'closed':
        return true;
      case 'open': {
        const now = this.options.now();
        if (now - this.openedAtMs < this.options.coolDownMs) return false;
        this.stateValue = 'half_open';
        this.probeStartedAtMs = now;
        return true;
      }
      case 'half_open': {
        // A probe whose outcome was never reported must not block the deployment forever.
        const now = this.options.now();
        if (this.probeStartedAtMs !== null && now - this.probeStartedAtMs < this.options.coolDownMs)
          return false;
        this.probeStartedAtMs = now;
        return true;
      }
      default: {
        const never: never = this.stateValue;
        throw new Error(`unknown circuit state ${String(never)}`);
      }
    }
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.stateValue = 'closed';
    this.probeStartedAtMs = null;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    if (this.stateValue === 'half_open' || this.consecutiveFailures >= this.options.failureThreshold) {
      this.stateValue = 'open';
      this.openedAtMs = this.options.now();
      this.probeStartedAtMs = null;
    }
  }
}

/** One breaker per deployment id, created on first use. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();
  constructor(private readonly options: CircuitBreakerOptions) {}

  /** Each known deployment's state (metrics). */
  *states(): IterableIterator<[deploymentId: string, state: CircuitState]> {
    for (const [id, breaker] of this.breakers) yield [id, breaker.state];
  }

  get(deploymentId: string): CircuitBreaker {
    let breaker = this.breakers.get(deploymentId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.breakers.set(deploymentId, breaker);
    }
    return breaker;
  }
}
