import { z } from 'zod';
import { parseMoney, parseCredits, type Money } from '@tollgate/money';
import {
  currencyCode,
  id,
  nonNegativeMinorString,
  nonNegativeNanocreditsString,
  positiveNanocreditsString,
} from '../schema';

/**
 * An admin-defined credit package. `settlement: 'manual'` packages ("contact us") are never sold
 * through a checkout provider: an admin approves the order against a bank transfer reference.
 */
export const CreditPackageSchema = z
  .object({
    packageId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'package id: lower-case slug'),
    name: z.string().min(1).max(120),
    description: z.string().max(1000).default(''),
    tier: z.enum(['individual', 'team', 'scale', 'enterprise', 'custom']),
    priceMinor: nonNegativeMinorString,
    currency: currencyCode,
    creditsNanocredits: positiveNanocreditsString,
    bonusNanocredits: nonNegativeNanocreditsString.default('0'),
    /** Whether `priceMinor` already includes tax (B2C-style) or tax is added on top. */
    taxMode: z.enum(['exclusive', 'inclusive']),
    settlement: z.enum(['checkout', 'manual']),
    active: z.boolean(),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .refine((p) => p.settlement === 'manual' || p.priceMinor !== '0', {
    message: 'a checkout package needs a positive price',
    path: ['priceMinor'],
  });

export type CreditPackage = z.infer<typeof CreditPackageSchema>;
export type CreditPackageInput = z.input<typeof CreditPackageSchema>;

export const packageIdSchema = id;

export function packagePrice(p: CreditPackage): Money {
  return { amountMinor: BigInt(p.priceMinor), currency: p.currency };
}

/** Credits an order for this package grants: base plus bonus. */
export function packageTotalNanocredits(p: CreditPackage): bigint {
  return BigInt(p.creditsNanocredits) + BigInt(p.bonusNanocredits);
}

function seeded(input: {
  packageId: string;
  name: string;
  description: string;
  tier: CreditPackage['tier'];
  price: string;
  credits: string;
  bonus: string;
  settlement: CreditPackage['settlement'];
  sortOrder: number;
}): CreditPackage {
  return CreditPackageSchema.parse({
    packageId: input.packageId,
    name: input.name,
    description: input.description,
    tier: input.tier,
    priceMinor: parseMoney(input.price, 'USD').amountMinor.toString(),
    currency: 'USD',
    creditsNanocredits: parseCredits(input.credits).toString(),
    bonusNanocredits: parseCredits(input.bonus).toString(),
    taxMode: 'exclusive',
    settlement: input.settlement,
    active: true,
    sortOrder: input.sortOrder,
  });
}

/** The demo catalogue: four tiers, the last one settled manually ("contact us"). */
export const SEEDED_CREDIT_PACKAGES: readonly CreditPackage[] = Object.freeze([
  seeded({
    packageId: 'individual',
    name: 'Individual',
    description: '10 credits for personal projects',
    tier: 'individual',
    price: '10.00',
    credits: '10',
    bonus: '0',
    settlement: 'checkout',
    sortOrder: 10,
  }),
  seeded({
    packageId: 'team',
    name: 'Team',
    description: '50 credits plus 2.5 bonus credits',
    tier: 'team',
    price: '50.00',
    credits: '50',
    bonus: '2.5',
    settlement: 'checkout',
    sortOrder: 20,
  }),
  seeded({
    packageId: 'scale',
    name: 'Scale',
    description: '250 credits plus 25 bonus credits',
    tier: 'scale',
    price: '250.00',
    credits: '250',
    bonus: '25',
    settlement: 'checkout',
    sortOrder: 30,
  }),
  seeded({
    packageId: 'enterprise',
    name: 'Enterprise',
    description: '5,000 credits plus 750 bonus credits, invoiced and settled by bank transfer',
    tier: 'enterprise',
    price: '5000.00',
    credits: '5000',
    bonus: '750',
    settlement: 'manual',
    sortOrder: 40,
  }),
]);
