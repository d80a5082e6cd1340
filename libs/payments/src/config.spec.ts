import { paymentsConfigFromEnv } from './config';

describe('payments config', () => {
  it('given no Stripe key, when loaded, then the sandbox is the default provider', () => {
    const c = paymentsConfigFromEnv({});
    expect(c.stripe).toBeNull();
    expect(c.sandbox.enabled).toBe(true);
    expect(c.refundPolicy).toMatchObject({ windowDays: 14, keepFees: false });
  });

  it('given a Stripe key, when loaded, then the sandbox is off unless explicitly enabled', () => {
    const stripe = { STRIPE_SECRET_KEY: 'sk_test_123456', STRIPE_WEBHOOK_SECRET: 'whsec_123456' };
    expect(paymentsConfigFromEnv(stripe).sandbox.enabled).toBe(false);
    expect(paymentsConfigFromEnv({ ...stripe, TOLLGATE_SANDBOX_PAYMENTS: 'true' }).sandbox.enabled).toBe(
      true,
    );
  });

  it('given only half the Stripe settings, when loaded, then it refuses to start', () => {
    expect(() => paymentsConfigFromEnv({ STRIPE_SECRET_KEY: 'sk_test_123456' })).toThrow(/both/);
  });

  it('given tax overrides and registrations, when loaded, then they are parsed', () => {
    const c = paymentsConfigFromEnv({
      TOLLGATE_SELLER_COUNTRY: 'AT',
      TOLLGATE_TAX_REGISTRATIONS: 'eu_oss, GB',
      TOLLGATE_TAX_RATE_OVERRIDES: 'AT=20, ca-on=13',
    });
    expect(c.taxSettings).toEqual({
      sellerCountry: 'AT',
      registrations: ['EU_OSS', 'GB'],
      rateOverrides: { AT: '20', 'CA-ON': '13' },
    });
  });

  it('given a malformed override, when loaded, then it refuses to start', () => {
    expect(() => paymentsConfigFromEnv({ TOLLGATE_TAX_RATE_OVERRIDES: 'DE=nineteen' })).toThrow(
      /tax settings/,
    );
  });
});
