import { DomainError } from '@tollgate/event-store';
import { DeciderSpecification } from '@tollgate/ledger';
import { billingProfileDecider, parseBillingProfileEvent, validateBillingProfile } from './billing-profile';

const now = new Date('2026-11-01T00:00:00Z');
const input = {
  legalName: 'Acme GmbH',
  addressLines: ['Invalidenstr. 1'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'de',
  vatId: 'DE 136 695 976',
  invoiceEmail: 'billing@acme.test',
};
const spec = DeciderSpecification(billingProfileDecider, { parse: parseBillingProfileEvent });

describe('billing profile', () => {
  it('given a valid German profile, when validated, then the country is upper-cased and the VAT id normalized', () => {
    const p = validateBillingProfile(input);
    expect(p).not.toBeInstanceOf(DomainError);
    expect(p).toMatchObject({ country: 'DE', vatId: 'DE136695976' });
  });

  it.each<[Record<string, string>, string]>([
    [{ country: 'XX' }, 'unknown country'],
    [{ vatId: 'DE123' }, 'bad VAT format'],
    [{ vatId: 'FR40303265045' }, 'VAT id of another country'],
    [{ invoiceEmail: 'not-an-email' }, 'bad email'],
  ])('given %j (%s), when validated, then INVALID_BILLING_PROFILE', (over) => {
    const p = validateBillingProfile({ ...input, ...over });
    expect(p).toBeInstanceOf(DomainError);
    expect((p as DomainError).code).toBe('INVALID_BILLING_PROFILE');
  });

  it('given no profile, when saved, then BillingProfileSaved with revision 1', () => {
    const [e] = spec
      .given([])
      .when({ type: 'SaveBillingProfile', workspaceId: 'ws1', profile: input, actor: 'u1', now })
      .thenTypes(['BillingProfileSaved']);
    expect(e.data).toMatchObject({ profileRevision: 1, profile: { legalName: 'Acme GmbH' } });
  });

  it('given a saved profile, when the same data is saved again, then nothing happens', () => {
    const first = billingProfileDecider.decide(
      { type: 'SaveBillingProfile', workspaceId: 'ws1', profile: input, actor: 'u1', now },
      billingProfileDecider.initialState(),
    );
    if (first instanceof DomainError) throw first;
    spec
      .given(first)
      .when({ type: 'SaveBillingProfile', workspaceId: 'ws1', profile: input, actor: 'u1', now })
      .thenNothing();
    const [changed] = spec
      .given(first)
      .when({
        type: 'SaveBillingProfile',
        workspaceId: 'ws1',
        profile: { ...input, legalName: 'Acme SE' },
        actor: 'u1',
        now,
      })
      .thenTypes(['BillingProfileSaved']);
    expect(changed.data.profileRevision).toBe(2);
  });

  it('given invalid input, when saved, then INVALID_BILLING_PROFILE and no event', () => {
    spec
      .given([])
      .when({
        type: 'SaveBillingProfile',
        workspaceId: 'ws1',
        profile: { ...input, country: 'ZZ' },
        actor: 'u1',
        now,
      })
      .thenThrows('INVALID_BILLING_PROFILE');
  });
});
