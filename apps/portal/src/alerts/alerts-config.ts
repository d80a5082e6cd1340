import { DEFAULT_WEBHOOK_BACKOFF, type BackoffPolicy } from '@tollgate/catalog';

export interface AlertsReactorConfig {
  /** How often the reactor looks for new events, balance changes and due deliveries. */
  pollMs: number;
  backoff: BackoffPolicy;
  /** Attempts per delivery before it is marked failed. */
  maxAttempts: number;
  /** Whole-request timeout of one attempt. */
  attemptTimeoutMs: number;
  /** Deliveries sent per tick (they run concurrently). */
  deliveriesPerTick: number;
  /** Allow webhook targets on loopback/private/link-local addresses (tests, single-tenant installs). */
  allowNonPublicTargets: boolean;
}

/** The reactor's configuration, for the alerts page's own checks. */
export const ALERTS_CONFIG = Symbol('ALERTS_CONFIG');

export const DEFAULT_ALERTS_REACTOR: AlertsReactorConfig = {
  pollMs: 1_000,
  backoff: DEFAULT_WEBHOOK_BACKOFF,
  maxAttempts: 6,
  attemptTimeoutMs: 10_000,
  deliveriesPerTick: 20,
  allowNonPublicTargets: false,
};

function bounded(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(text)}`);
}

/**
 * `TOLLGATE_ALERTS_POLL_MS`, `TOLLGATE_ALERTS_BACKOFF_BASE_MS`, `TOLLGATE_ALERTS_BACKOFF_MAX_MS`,
 * `TOLLGATE_ALERTS_MAX_ATTEMPTS`, `TOLLGATE_ALERTS_TIMEOUT_MS` (every one bounded) and
 * `TOLLGATE_ALERTS_ALLOW_PRIVATE_TARGETS` (`true`/`false`).
 */
export function alertsConfigFromEnv(env: NodeJS.ProcessEnv): AlertsReactorConfig {
  const d = DEFAULT_ALERTS_REACTOR;
  return {
    pollMs: bounded(env, 'TOLLGATE_ALERTS_POLL_MS', d.pollMs, 10, 60_000),
    backoff: {
      baseMs: bounded(env, 'TOLLGATE_ALERTS_BACKOFF_BASE_MS', d.backoff.baseMs, 1, 3_600_000),
      maxMs: bounded(env, 'TOLLGATE_ALERTS_BACKOFF_MAX_MS', d.backoff.maxMs, 1, 86_400_000),
    },
    maxAttempts: bounded(env, 'TOLLGATE_ALERTS_MAX_ATTEMPTS', d.maxAttempts, 1, 20),
    attemptTimeoutMs: bounded(env, 'TOLLGATE_ALERTS_TIMEOUT_MS', d.attemptTimeoutMs, 100, 60_000),
    deliveriesPerTick: d.deliveriesPerTick,
    allowNonPublicTargets: flag(env, 'TOLLGATE_ALERTS_ALLOW_PRIVATE_TARGETS', d.allowNonPublicTargets),
  };
}
