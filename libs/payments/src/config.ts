import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RefundPolicySchema, type RefundPolicy } from './orders/refund-policy';
import { TaxSettingsSchema, type TaxSettings } from './tax/tax-settings';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Only for tests/local fakes: where the Stripe API lives. */
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: 'http' | 'https';
}

export interface PaymentsConfig {
  /** Base URL customers reach Tollgate on (hosted sandbox page, Stripe success/cancel URLs). */
  publicBaseUrl: string;
  stripe: StripeSettings | null;
  /** The embedded sandbox provider; on by default only when Stripe is not configured. */
  sandbox: { enabled: boolean; webhookSecret: string };
  taxSettings: TaxSettings;
  refundPolicy: RefundPolicy;
}

const EnvSchema = z.object({
  TOLLGATE_PUBLIC_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  STRIPE_SECRET_KEY: z.string().min(8).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(8).optional(),
  STRIPE_API_HOST: z.string().optional(),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  TOLLGATE_SANDBOX_PAYMENTS: z.enum(['true', 'false']).optional(),
  TOLLGATE_SANDBOX_WEBHOOK_SECRET: z.string().min(16).optional(),
  TOLLGATE_SELLER_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('DE'),
  /** Comma-separated: `EU_OSS,GB,AU`. */
  TOLLGATE_TAX_REGISTRATIONS: z.string().default(''),
  /** Comma-separated `COUNTRY[-REGION]=PERCENT`: `DE=19,CA-ON=13`. */
  TOLLGATE_TAX_RATE_OVERRIDES: z.string().default(''),
  TOLLGATE_REFUND_WINDOW_DAYS: z.coerce.number().int().min(0).max(3650).default(14),
  TOLLGATE_REFUND_KEEP_FEES: z.enum(['true', 'false']).default('false'),
  TOLLGATE_REFUND_FEE_PERCENT: z.string().default('0'),
});

export class PaymentsConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Payment settings from the environment (see the README's table). */
export function paymentsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success)
    throw new PaymentsConfigError(
      `invalid payments configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = parsed.data;
  if (Boolean(e.STRIPE_SECRET_KEY) !== Boolean(e.STRIPE_WEBHOOK_SECRET))
    throw new PaymentsConfigError('set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither');
  const stripe: StripeSettings | null =
    e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
      ? {
          secretKey: e.STRIPE_SECRET_KEY,
          webhookSecret: e.STRIPE_WEBHOOK_SECRET,
          apiHost: e.STRIPE_API_HOST,
          apiPort: e.STRIPE_API_PORT,
          apiProtocol: e.STRIPE_API_PROTOCOL,
        }
      : null;
  const overrides: Record<string, string> = {};
  for (const pair of list(e.TOLLGATE_TAX_RATE_OVERRIDES)) {
    const [k, v] = pair.split('=', 2).map((s) => s.trim());
    overrides[k.toUpperCase()] = v ?? '';
  }
  const tax = TaxSettingsSchema.safeParse({
    sellerCountry: e.TOLLGATE_SELLER_COUNTRY,
    registrations: list(e.TOLLGATE_TAX_REGISTRATIONS).map((s) => s.toUpperCase()),
    rateOverrides: overrides,
  });
  if (!tax.success) throw new PaymentsConfigError(`invalid tax settings: ${tax.error.issues[0]?.message}`);
  const refund = RefundPolicySchema.safeParse({
    windowDays: e.TOLLGATE_REFUND_WINDOW_DAYS,
    keepFees: e.TOLLGATE_REFUND_KEEP_FEES === 'true',
    feePercent: e.TOLLGATE_REFUND_FEE_PERCENT,
  });
  if (!refund.success)
    throw new PaymentsConfigError(`invalid refund policy: ${refund.error.issues[0]?.message}`);
  return {
    publicBaseUrl: e.TOLLGATE_PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`,
    stripe,
    sandbox: {
      // Free credits must never be one click away on a real deployment: off with Stripe unless asked.
      enabled: e.TOLLGATE_SANDBOX_PAYMENTS ? e.TOLLGATE_SANDBOX_PAYMENTS === 'true' : stripe === null,
      webhookSecret: e.TOLLGATE_SANDBOX_WEBHOOK_SECRET ?? randomBytes(32).toString('hex'),
    },
    taxSettings: tax.data,
    refundPolicy: refund.data,
  };
}
