import { z } from 'zod';
import { DomainError, type Decider } from '@tollgate/event-store';
import { paymentError } from '../errors';
import { id, isoTimestamp } from '../schema';
import { CreditPackageSchema, type CreditPackage, type CreditPackageInput } from './credit-package';

/** All packages live in one small stream: the catalogue is tiny and changes rarely. */
export const CREDIT_PACKAGE_CATALOG_STREAM = 'credit-package-catalog';
/** Bound on catalogue size so one stream read stays cheap. */
export const MAX_CREDIT_PACKAGES = 200;

export const CreditPackageSavedSchema = z.object({
  package: CreditPackageSchema,
  actor: id,
  savedAt: isoTimestamp,
});
export type CreditPackageSaved = z.infer<typeof CreditPackageSavedSchema>;
export type CatalogEvent = { type: 'CreditPackageSaved'; data: CreditPackageSaved };

export interface SaveCreditPackage {
  type: 'SaveCreditPackage';
  package: CreditPackageInput;
  actor: string;
  now: Date;
}
export type CatalogCommand = SaveCreditPackage;

export interface CatalogState {
  packages: ReadonlyMap<string, CreditPackage>;
}

function sameDefinition(a: CreditPackage, b: CreditPackage): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const catalogDecider: Decider<CatalogCommand, CatalogEvent, CatalogState> = {
  initialState: () => ({ packages: new Map() }),
  decide(command, state): readonly CatalogEvent[] | DomainError {
    switch (command.type) {
      case 'SaveCreditPackage': {
        const parsed = CreditPackageSchema.safeParse(command.package);
        if (!parsed.success)
          return paymentError('INVALID_PACKAGE', 'invalid credit package', {
            issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
          });
        const existing = state.packages.get(parsed.data.packageId);
        if (existing && sameDefinition(existing, parsed.data)) return [];
        if (!existing && state.packages.size >= MAX_CREDIT_PACKAGES)
          return paymentError('INVALID_PACKAGE', `at most ${MAX_CREDIT_PACKAGES} packages`);
        return [
          {
            type: 'CreditPackageSaved',
            data: { package: parsed.data, actor: command.actor, savedAt: command.now.toISOString() },
          },
        ];
      }
      default: {
        const never: never = command.type;
        return paymentError('INVALID_COMMAND', `unknown command ${String(never)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'CreditPackageSaved': {
        const packages = new Map(state.packages);
        packages.set(event.data.package.packageId, event.data.package);
        return { packages };
      }
      default: {
        const never: never = event.type;
        throw new Error(`unknown catalog event ${String(never)}`);
      }
    }
  },
};

export function parseCatalogEvent(type: string, data: unknown): CatalogEvent | null {
  if (type !== 'CreditPackageSaved') return null;
  return { type, data: CreditPackageSavedSchema.parse(data) };
}

/** Catalogue listing order: sort order, then id. */
export function listPackages(state: CatalogState, options: { activeOnly: boolean }): CreditPackage[] {
  return [...state.packages.values()]
    .filter((p) => !options.activeOnly || p.active)
    .sort((a, b) => a.sortOrder - b.sortOrder || a.packageId.localeCompare(b.packageId));
}
