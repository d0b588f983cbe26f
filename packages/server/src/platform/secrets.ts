// Encryption at rest for secrets the server must be able to read back (calendar passwords …):
// AES-256-GCM with a 32-byte key from a key file; the record each secret belongs to is bound in as
// additional authenticated data, so a ciphertext copied to another row does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';

export class SecretError extends Error {
  override name = 'SecretError';
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretError('the secrets key must be 32 bytes');
  }

  /** `v1:<base64 iv|tag|ciphertext>` */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws SecretError when the value was changed, sealed for another context or with another key. */
  open(sealed: string, context: string): string {
    const [version, data] = sealed.split(':', 2);
    if (version !== VERSION || !data) throw new SecretError('unknown secret format');
    const raw = Buffer.from(data, 'base64');
    if (raw.length < 28) throw new SecretError('secret too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError('secret cannot be decrypted (changed, moved, or another key)');
    }
  }
}

/**
 * Reads the key file (base64 of 32 bytes), creating it with mode 0600 when it does not exist yet.
 * A key readable by group or others is refused.
 */
export function loadOrCreateKey(path: string): Buffer {
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return loadOrCreateKey(path);
    }
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new SecretError(`secrets key file ${path} is readable by others; chmod 600 it`);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new SecretError(`secrets key file ${path} must hold 32 bytes in base64`);
  return key;
}

/** What holders of secrets need: sealing and opening with a context. */
export type SecretSealer = Pick<SecretBox, 'seal' | 'open'>;

/** A SecretBox whose key file is read (or created) on first use only. */
export function lazySecretBox(keyFile: string): SecretSealer {
  let box: SecretBox | undefined;
  const get = () => {
    box ??= new SecretBox(loadOrCreateKey(keyFile));
    return box;
  };
  return { seal: (p, c) => get().seal(p, c), open: (s, c) => get().open(s, c) };
}
