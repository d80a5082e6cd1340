import { randomBytes } from 'node:crypto';
import { parseMasterKey, SecretBox, SecretBoxError } from './secret-box';

describe('secret box (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('given a sealed secret, when opened with the same key and row, then the plaintext comes back', () => {
    const sealed = box.seal('sk-upstream-123', 'provider:p1');
    expect(sealed).not.toContain('sk-upstream');
    expect(box.open(sealed, 'provider:p1')).toBe('sk-upstream-123');
  });

  it('given a sealed secret, when opened for another row or under another key, then it refuses', () => {
    const sealed = box.seal('sk-upstream-123', 'provider:p1');
    expect(() => box.open(sealed, 'provider:p2')).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'provider:p1')).toThrow(SecretBoxError);
  });

  it('given a master key of the wrong size, when parsed, then it is refused', () => {
    expect(() => parseMasterKey('c2hvcnQ=')).toThrow(SecretBoxError);
    expect(parseMasterKey(randomBytes(32).toString('base64')).length).toBe(32);
  });
});
