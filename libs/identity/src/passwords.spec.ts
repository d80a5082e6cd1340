import { IdentityError } from './errors';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
import { constantTimeEqual, randomToken } from './tokens';

describe('password hashing', () => {
  it('given a password, when hashed, then it is an argon2id PHC string that verifies only that password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain('correct horse battery');
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterx')).toBe(false);
  });

  it('given the same password twice, when hashed, then the salts differ', async () => {
    const [a, b] = await Promise.all([hashPassword('same password 1'), hashPassword('same password 1')]);
    expect(a).not.toBe(b);
  });

  it('given a short or huge password, when hashed, then it is refused with a stable code', async () => {
    await expect(hashPassword('short')).rejects.toMatchObject({ code: 'PASSWORD_TOO_SHORT' });
    await expect(hashPassword('x'.repeat(257))).rejects.toBeInstanceOf(IdentityError);
  });

  it('given a malformed stored hash or an empty password, when verified, then it is false (not a throw)', async () => {
    expect(await verifyPassword('not-a-hash', 'whatever password')).toBe(false);
    expect(await verifyPassword(await hashPassword('some password!'), '')).toBe(false);
    expect(await burnPasswordCheck('anything')).toBe(false);
  });
});

describe('tokens', () => {
  it('given two random tokens, then they are 32 bytes of base64url and differ', () => {
    const a = randomToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(randomToken());
  });

  it('given strings, when compared in constant time, then only equal strings match', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
