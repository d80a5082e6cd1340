import type { BillingProfile } from '../billing-profiles/billing-profile';
import { SEEDED_CREDIT_PACKAGES, type CreditPackage } from '../packages/credit-package';
import type { CreateOrder } from '../orders/commands';
import { DEFAULT_REFUND_POLICY, type RefundPolicy } from '../orders/refund-policy';
import { TaxSettingsSchema } from '../tax/tax-settings';
import { computeTaxSnapshot, type TaxSnapshot } from '../tax/tax-snapshot';
import type { ProviderName } from '../orders/events';

/** Shared test data for payments specs (a German seller, a German consumer). */
export const T0 = new Date('2026-11-01T10:00:00.000Z');
export const GERMAN_SELLER = TaxSettingsSchema.parse({ sellerCountry: 'DE' });

export const GERMAN_PROFILE: BillingProfile = {
  legalName: 'Acme GmbH',
  addressLines: ['Invalidenstr. 1'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  invoiceEmail: 'billing@acme.test',
};

export function seededPackage(id: string): CreditPackage {
  const p = SEEDED_CREDIT_PACKAGES.find((x) => x.packageId === id);
  if (!p) throw new Error(`no seeded package ${id}`);
  return p;
}

export function taxFor(pkg: CreditPackage, profile: BillingProfile = GERMAN_PROFILE): TaxSnapshot {
  const s = computeTaxSnapshot({
    price: { amountMinor: BigInt(pkg.priceMinor), currency: pkg.currency },
    taxMode: pkg.taxMode,
    profile,
    settings: GERMAN_SELLER,
    at: T0,
  });
  if ('code' in s) throw s;
  return s;
}

export function createOrderCommand(over: Partial<CreateOrder> & { packageId?: string } = {}): CreateOrder {
  const pkg = seededPackage(over.packageId ?? 'team');
  const provider: ProviderName = pkg.settlement === 'manual' ? 'manual' : 'stripe';
  const refundPolicy: RefundPolicy = DEFAULT_REFUND_POLICY;
  const { packageId: _ignored, ...rest } = over;
  return {
    type: 'CreateOrder',
    orderId: 'order-1',
    idempotencyKey: 'create-1',
    now: T0,
    workspaceId: 'ws-1',
    accountId: 'acc-1',
    package: pkg,
    provider,
    billingProfile: GERMAN_PROFILE,
    billingProfileRevision: 1,
    tax: taxFor(pkg),
    refundPolicy,
    actor: 'user-1',
    ...rest,
  };
}
