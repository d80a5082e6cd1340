import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Every setting comes from the environment (documented in the README's table). Secrets that the
 * embedded default needs are generated once into the data dir so restarts keep them.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  EVENTSTORE_URL: z.string().optional(),
  TOLLGATE_DATA_DIR: z.string().default('.data'),
  TOLLGATE_ADMIN_TOKEN: z.string().min(16).optional(),
  TOLLGATE_MASTER_KEY: z.string().optional(),
  TOLLGATE_SEED_DEMO: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  TOLLGATE_COOKIE_SECURE: z.enum(['true', 'false']).default('false'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  TOLLGATE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  TOLLGATE_SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Aliases open only when every deployment's margin is at least this (decimal percent). */
  TOLLGATE_MARGIN_THRESHOLD_PERCENT: z
    .string()
    .regex(/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?$/, 'expected a decimal percentage')
    .default('0'),
  /** Pause an open alias when a later change pushes a margin below the threshold. */
  TOLLGATE_PAUSE_ON_LOW_MARGIN: z.enum(['true', 'false']).default('false'),
});

/** Every variable `loadConfig` reads (the README's configuration table documents each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type Env = z.infer<typeof EnvSchema>;

export interface TollgateConfig {
  port: number;
  host: string;
  /** Unset: start embedded PostgreSQL in the data dir. */
  databaseUrl?: string;
  /** Unset: the Postgres event store in the same database. */
  eventStoreUrl?: string;
  dataDir: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** 32 bytes for AES-256-GCM of upstream credentials. */
  masterKey: Buffer;
  seedDemo: boolean;
  /** `silent` by default under jest (NODE_ENV=test), so tests stay quiet. */
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  /** OTLP/HTTP endpoint for traces; unset: tracing off. */
  otelEndpoint?: string;
  otelServiceName?: string;
  /** Bound on a graceful stop (in-flight requests, usage flush, lease settlement) before exit 1. */
  shutdownTimeoutMs: number;
  /** Time /readyz answers 503 before the listener closes, so load balancers stop routing first. */
  shutdownDelayMs: number;
  /** Always mark session cookies Secure (behind a TLS-terminating proxy). */
  cookieSecure: boolean;
  /** Margin (decimal percent) every deployment of an alias needs to open without an override. */
  marginThresholdPercent: string;
  /** Pause an open alias whose margin falls below the threshold after a change. */
  pauseOnLowMargin: boolean;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TollgateConfig {
  // An empty value means unset (compose files pass `${VAR:-}` through as "").
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.TOLLGATE_DATA_DIR);
  const secret = (file: string, make: () => string): { value: string; generated: boolean } => {
    const path = join(dataDir, file);
    if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), generated: false };
    mkdirSync(dataDir, { recursive: true });
    const value = make();
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    return { value, generated: true };
  };
  const admin = e.TOLLGATE_ADMIN_TOKEN
    ? { value: e.TOLLGATE_ADMIN_TOKEN, generated: false }
    : secret('admin-token', () => `tga_${randomBytes(24).toString('base64url')}`);
  const masterKeyText =
    e.TOLLGATE_MASTER_KEY ?? secret('master.key', () => randomBytes(32).toString('base64')).value;
  const masterKey = Buffer.from(masterKeyText, 'base64');
  if (masterKey.length !== 32) throw new ConfigError('TOLLGATE_MASTER_KEY must be 32 bytes, base64-encoded');
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    eventStoreUrl: e.EVENTSTORE_URL,
    dataDir,
    adminToken: admin.value,
    adminTokenGenerated: admin.generated,
    masterKey,
    seedDemo: e.TOLLGATE_SEED_DEMO ? e.TOLLGATE_SEED_DEMO === 'true' : !e.DATABASE_URL,
    logLevel: e.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: e.OTEL_SERVICE_NAME,
    shutdownTimeoutMs: e.TOLLGATE_SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.TOLLGATE_SHUTDOWN_DELAY_MS,
    cookieSecure: e.TOLLGATE_COOKIE_SECURE === 'true',
    marginThresholdPercent: e.TOLLGATE_MARGIN_THRESHOLD_PERCENT,
    pauseOnLowMargin: e.TOLLGATE_PAUSE_ON_LOW_MARGIN === 'true',
  };
}
