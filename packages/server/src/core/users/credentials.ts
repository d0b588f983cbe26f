import { createHash, createHmac, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

export interface CredentialParams {
  scryptCost: number;
  scramIterations: number;
}

/**
 * Everything derived from a login password; the password itself is never stored. No fast hash
 * (such as a SIP HA1) is ever derived from it: SIP devices have their own generated secrets.
 */
export interface DerivedCredentials {
  passwordHash: string;
  scram: { salt: string; iterations: number; storedKey: string; serverKey: string };
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

/**
 * RFC 5802 / RFC 7677 SCRAM-SHA-256 server keys:
 * SaltedPassword = PBKDF2(password, salt, i); StoredKey = H(HMAC(SP, "Client Key")); ServerKey = HMAC(SP, "Server Key").
 * The password should be SASLprep-ed; NFC normalisation covers the common cases.
 */
export async function scramSha256Keys(password: string, salt: Buffer, iterations: number) {
  const salted = await pbkdf2Async(password.normalize('NFC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: createHash('sha256').update(clientKey).digest('base64'),
    serverKey: createHmac('sha256', salted).update('Server Key').digest('base64'),
  };
}

/** RFC 7616 HA1 = H(username ":" realm ":" password), hex, for MD5 and SHA-256 digest realms. */
export function sipHa1(algorithm: 'md5' | 'sha256', username: string, realm: string, password: string): string {
  return createHash(algorithm).update(`${username}:${realm}:${password}`).digest('hex');
}

/** Derives every stored secret of a user from a new password. */
export async function deriveCredentials(password: string, params: CredentialParams): Promise<DerivedCredentials> {
  const [passwordHash, scram] = await Promise.all([
    hashPassword(password, params.scryptCost),
    scramSha256Keys(password, randomBytes(16), params.scramIterations),
  ]);
  return { passwordHash, scram };
}

/** A readable random password for generated accounts (about 96 bits). */
export const generatePassword = () => randomBytes(12).toString('base64url');
