export interface KeyLimits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

interface Window {
  startMs: number;
  requests: number;
  tokens: number;
}

const WINDOW_MS = 60_000;

/**
 * Requests and tokens per minute per key, in fixed one-minute windows, per gateway instance (a fleet of
 * N instances lets through up to N× the limit; a shared limiter is a later step). Tokens are counted
 * when usage is known, so a burst of long requests can overshoot one window by what was in flight.
 */
export class KeyRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts the request and answers whether it is within the key's limits. */
  tryAcquire(keyId: string, limits: KeyLimits): boolean {
    if (limits.requestsPerMinute === null && limits.tokensPerMinute === null) return true;
    const w = this.window(keyId);
    if (limits.requestsPerMinute !== null && w.requests >= limits.requestsPerMinute) return false;
    if (limits.tokensPerMinute !== null && w.tokens >= limits.tokensPerMinute) return false;
    w.requests++;
    return true;
  }

  addTokens(keyId: string, tokens: number): void {
    const w = this.windows.get(keyId);
    if (w) w.tokens += tokens;
  }

  private window(keyId: string): Window {
    const now = this.now();
    let w = this.windows.get(keyId);
    if (!w || now - w.startMs >= WINDOW_MS) {
      if (!w && this.windows.size >= this.maxKeys) this.sweep(now);
      w = { startMs: now, requests: 0, tokens: 0 };
      this.windows.set(keyId, w);
    }
    return w;
  }

  private sweep(now: number): void {
    for (const [id, w] of this.windows) if (now - w.startMs >= WINDOW_MS) this.windows.delete(id);
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
