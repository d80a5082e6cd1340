import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(
    readonly code: 'INVALID_MASTER_KEY' | 'UNDECRYPTABLE_SECRET',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM for secrets at rest (upstream keys). Ciphertext: `v1:` + base64(iv ‖ tag ‖ data). The
 * associated data binds a ciphertext to its row (e.g. the provider id), so it cannot be moved to another.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== MASTER_KEY_BYTES)
      throw new SecretBoxError('INVALID_MASTER_KEY', `master key must be ${MASTER_KEY_BYTES} bytes`);
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  open(sealed: string, associatedData: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || !payload)
      throw new SecretBoxError('UNDECRYPTABLE_SECRET', 'unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new SecretBoxError('UNDECRYPTABLE_SECRET', 'secret too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('UNDECRYPTABLE_SECRET', 'secret does not decrypt under this master key');
    }
  }
}

/** Parses `TOLLGATE_MASTER_KEY` (base64 of 32 bytes). */
export function parseMasterKey(base64: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== MASTER_KEY_BYTES)
    throw new SecretBoxError(
      'INVALID_MASTER_KEY',
      `TOLLGATE_MASTER_KEY must be base64 of ${MASTER_KEY_BYTES} bytes`,
    );
  return key;
}
