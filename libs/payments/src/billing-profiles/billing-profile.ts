import { z } from 'zod';
import { DomainError, type Decider } from '@tollgate/event-store';
import { paymentError } from '../errors';
import { countryCode, id, isoTimestamp } from '../schema';
import { checkVatId, isCountryCode } from './validation';

export function billingProfileStream(workspaceId: string): string {
  return `billing-profile-${workspaceId}`;
}

/** What a customer enters; validated and normalized by the decider. */
export const BillingProfileInputSchema = z.object({
  legalName: z.string().trim().min(1).max(200),
  addressLines: z.array(z.string().trim().min(1).max(200)).min(1).max(4),
  postalCode: z.string().trim().max(20).default(''),
  city: z.string().trim().min(1).max(100),
  country: z.string().trim().toUpperCase().pipe(countryCode),
  /** State / province / region (e.g. US state for sales tax, CA province for GST/HST). */
  region: z.string().trim().max(100).optional(),
  vatId: z.string().trim().max(40).optional(),
  invoiceEmail: z.email().max(320),
});
export type BillingProfileInput = z.input<typeof BillingProfileInputSchema>;

export const BillingProfileSchema = BillingProfileInputSchema.extend({
  country: countryCode,
  postalCode: z.string().max(20),
});
export type BillingProfile = z.infer<typeof BillingProfileSchema>;

export const BillingProfileSavedSchema = z.object({
  workspaceId: id,
  profile: BillingProfileSchema,
  /** 1-based revision; an order freezes the profile together with this number. */
  profileRevision: z.number().int().positive(),
  actor: id,
  savedAt: isoTimestamp,
});
export type BillingProfileSaved = z.infer<typeof BillingProfileSavedSchema>;
export type BillingProfileEvent = { type: 'BillingProfileSaved'; data: BillingProfileSaved };

export interface SaveBillingProfile {
  type: 'SaveBillingProfile';
  workspaceId: string;
  profile: BillingProfileInput;
  actor: string;
  now: Date;
}
export type BillingProfileCommand = SaveBillingProfile;

export interface BillingProfileState {
  profile: BillingProfile | null;
  revision: number;
}

export function validateBillingProfile(input: unknown): BillingProfile | DomainError {
  const parsed = BillingProfileInputSchema.safeParse(input);
  if (!parsed.success)
    return paymentError('INVALID_BILLING_PROFILE', 'invalid billing profile', {
      issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    });
  const p = parsed.data;
  if (!isCountryCode(p.country))
    return paymentError('INVALID_BILLING_PROFILE', `unknown country ${p.country}`, { field: 'country' });
  let vatId: string | undefined;
  if (p.vatId) {
    const check = checkVatId(p.vatId, p.country);
    if (!check.ok)
      return paymentError('INVALID_BILLING_PROFILE', `invalid VAT id (${check.reason})`, {
        field: 'vatId',
        reason: check.reason,
      });
    vatId = check.normalized;
  }
  const profile: BillingProfile = { ...p, vatId };
  if (profile.vatId === undefined) delete profile.vatId;
  if (!profile.region) delete profile.region;
  return profile;
}

export const billingProfileDecider: Decider<BillingProfileCommand, BillingProfileEvent, BillingProfileState> =
  {
    initialState: () => ({ profile: null, revision: 0 }),
    decide(command, state) {
      switch (command.type) {
        case 'SaveBillingProfile': {
          const profile = validateBillingProfile(command.profile);
          if (profile instanceof DomainError) return profile;
          if (state.profile && JSON.stringify(state.profile) === JSON.stringify(profile)) return [];
          return [
            {
              type: 'BillingProfileSaved',
              data: {
                workspaceId: command.workspaceId,
                profile,
                profileRevision: state.revision + 1,
                actor: command.actor,
                savedAt: command.now.toISOString(),
              },
            },
          ];
        }
        default: {
          const never: never = command.type;
          return paymentError('INVALID_COMMAND', `unknown command ${String(never)}`);
        }
      }
    },
    evolve(_state, event) {
      switch (event.type) {
        case 'BillingProfileSaved':
          return { profile: event.data.profile, revision: event.data.profileRevision };
        default: {
          const never: never = event.type;
          throw new Error(`unknown billing profile event ${String(never)}`);
        }
      }
    },
  };

export function parseBillingProfileEvent(type: string, data: unknown): BillingProfileEvent | null {
  if (type !== 'BillingProfileSaved') return null;
  return { type, data: BillingProfileSavedSchema.parse(data) };
}
