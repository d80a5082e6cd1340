import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: session cookies and CSRF tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time for equal lengths; comparing digests makes the length leak meaningless too. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** A generated password to print once (demo seed, `tollgate admin create` without --password). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}
