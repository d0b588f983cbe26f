import { createHash, createHmac, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

export interface CredentialParams {
  scryptCost: number;
  scramIterations: number;
}

/** A user's SCRAM server keys for one hash (RFC 5802 §3): salt and keys base64. */
export interface ScramKeys {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** The hashes of the SCRAM mechanisms offered: SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677). */
export type ScramHash = 'sha1' | 'sha256';

/**
 * Everything derived from a login password; the password itself is never stored. No fast hash
 * (such as a SIP HA1) is ever derived from it: SIP devices have their own generated secrets.
 */
export interface DerivedCredentials {
  passwordHash: string;
  /** SCRAM-SHA-256 keys. */
  scram: ScramKeys;
  /**
   * SCRAM-SHA-1 keys; null for a password set before they were kept (migration 014) until the
   * user's next successful password sign-in, when the password is at hand to derive them.
   */
  scramSha1: ScramKeys | null;
}

const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LEN = 32;

const scryptOptions = (n: number) => ({ N: n, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * n * SCRYPT_R });

/** `$scrypt$N$r$p$salt$hash` with base64 salt and hash. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password.normalize('NFC'), salt, KEY_LEN, scryptOptions(cost));
  return `$scrypt$${cost}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a password against a stored `$scrypt$` hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password.normalize('NFC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * Number(n) * Number(r),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password, verified against when the user does not exist, so timing says nothing. */
export const dummyHash = (cost: number) => hashPassword(randomBytes(18).toString('base64url'), cost);

/** Output length of each SCRAM hash in bytes. */
const SCRAM_HASH_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32 };

/**
 * RFC 5802 / RFC 7677 SCRAM server keys:
 * SaltedPassword = PBKDF2(password, salt, i); StoredKey = H(HMAC(SP, "Client Key")); ServerKey = HMAC(SP, "Server Key").
 * The password should be SASLprep-ed; NFC normalisation covers the common cases.
 */
export async function scramKeys(
  hash: ScramHash,
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<ScramKeys> {
  const salted = await pbkdf2Async(password.normalize('NFC'), salt, iterations, SCRAM_HASH_BYTES[hash], hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: createHash(hash).update(clientKey).digest('base64'),
    serverKey: createHmac(hash, salted).update('Server Key').digest('base64'),
  };
}

/** RFC 7616 HA1 = H(username ":" realm ":" password), hex, for MD5 and SHA-256 digest realms. */
export function sipHa1(algorithm: 'md5' | 'sha256', username: string, realm: string, password: string): string {
  return createHash(algorithm).update(`${username}:${realm}:${password}`).digest('hex');
}

/** Derives every stored secret of a user from a new password. */
export async function deriveCredentials(password: string, params: CredentialParams): Promise<DerivedCredentials> {
  const [passwordHash, scram, scramSha1] = await Promise.all([
    hashPassword(password, params.scryptCost),
    scramKeys('sha256', password, randomBytes(16), params.scramIterations),
    scramKeys('sha1', password, randomBytes(16), params.scramIterations),
  ]);
  return { passwordHash, scram, scramSha1 };
}

/** A readable random password for generated accounts (about 96 bits). */
export const generatePassword = () => randomBytes(12).toString('base64url');
