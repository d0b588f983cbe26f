// Generated secrets (CSTA application accounts, the LDAP phone-book account): random and long, so
// they are kept as their SHA-256 (a slow hash adds nothing) and compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** What is stored of a generated secret. */
export const hashSecret = (secret: string): string => sha256(secret).toString('hex');

/** Whether `secret` is the one `hash` was made of. */
export const secretMatches = (secret: string, hash: string): boolean =>
  timingSafeEqual(sha256(secret), Buffer.from(hash, 'hex'));
