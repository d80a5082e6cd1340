import { IdentityError } from '@tollgate/identity';

const FIELD_MAX_LENGTH = 512;

/** A single text field of a parsed form (repeated or missing fields read as ''). */
export function formField(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, FIELD_MAX_LENGTH) : '';
}

/** What a person filling the form should read for a domain error. */
export function identityErrorText(err: IdentityError): string {
  switch (err.code) {
    case 'EMAIL_INVALID':
      return 'Enter a valid email address.';
    case 'EMAIL_TAKEN':
      return 'That email already has an account.';
    case 'PASSWORD_TOO_SHORT':
      return 'The new password needs at least 10 characters.';
    case 'PASSWORD_TOO_LONG':
      return 'The new password may have at most 256 characters.';
    case 'NAME_INVALID':
      return 'Enter a name of 1 to 120 characters.';
    case 'USER_NOT_FOUND':
      return 'No such user in this workspace.';
    case 'WORKSPACE_NOT_FOUND':
      return 'That workspace no longer exists.';
    case 'ROLE_INVALID':
      return 'Choose owner, member or billing.';
    case 'LAST_OWNER':
      return 'A workspace needs at least one owner: make someone else owner first.';
    default: {
      const never: never = err.code;
      return `Error ${String(never)}`;
    }
  }
}
