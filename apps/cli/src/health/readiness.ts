export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects with the reason otherwise. Must finish quickly. */
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

export function withTimeout(name: string, fn: () => Promise<unknown>): ReadinessCheck {
  return {
    name,
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise((_, fail) => {
            timer = setTimeout(
              () => fail(new Error(`${name} did not answer in ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
