import { Algorithm, hash, verify } from '@node-rs/argon2';
import { IdentityError } from './errors';

export const PASSWORD_MIN_LENGTH = 10;
/** Bounds the work an attacker can make argon2 do per request. */
export const PASSWORD_MAX_LENGTH = 256;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~90 ms on this hardware.
const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH)
    throw new IdentityError(
      'PASSWORD_TOO_SHORT',
      `password must have at least ${PASSWORD_MIN_LENGTH} characters`,
    );
  if (password.length > PASSWORD_MAX_LENGTH)
    throw new IdentityError(
      'PASSWORD_TOO_LONG',
      `password must have at most ${PASSWORD_MAX_LENGTH} characters`,
    );
}

/** argon2id PHC string (`$argon2id$v=19$...`), salt included. */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spends the same time as a real check, so "no such user" cannot be told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hash('tollgate-dummy-password', ARGON2_OPTIONS);
  await verifyPassword(await dummyHash, password.slice(0, PASSWORD_MAX_LENGTH) || 'x');
  return false;
}
