export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: CheckResult[];
}

export const READINESS_CHECK_TIMEOUT_MS = 2000;

/** A check that fails with a clear reason when `fn` does not settle in time (a hung database). */
export function withTimeout(
  name: string,
  fn: () => Promise<unknown>,
  timeoutMs = READINESS_CHECK_TIMEOUT_MS,
): ReadinessCheck {
  return {
    name,
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise((_, fail) => {
            timer = setTimeout(() => fail(new Error(`${name} did not answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * What `/readyz` reports: every dependency check, and "shutting down" once a stop began, so a load
 * balancer stops sending new requests while in-flight ones finish.
 */
export class Readiness {
  private stoppingSince: Date | null = null;

  constructor(private readonly checks: readonly ReadinessCheck[]) {}

  /** From now on the process reports not ready (SIGTERM received). */
  markShuttingDown(now = new Date()): void {
    this.stoppingSince ??= now;
  }

  get shuttingDown(): boolean {
    return this.stoppingSince !== null;
  }

  async report(): Promise<ReadinessReport> {
    const checks: CheckResult[] = await Promise.all(
      this.checks.map(async (c): Promise<CheckResult> => {
        try {
          await c.check();
          return { name: c.name, ok: true };
        } catch (err) {
          return { name: c.name, ok: false, reason: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    if (this.stoppingSince)
      checks.unshift({
        name: 'lifecycle',
        ok: false,
        reason: `shutting down since ${this.stoppingSince.toISOString()}`,
      });
    return { ready: checks.every((c) => c.ok), checks };
  }
}
