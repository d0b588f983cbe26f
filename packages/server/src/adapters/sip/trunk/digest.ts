// The client side of SIP digest (RFC 3261 §22.4, RFC 8760): Parley answering a trunk's challenges, and the tests' phones.
import { createHash, randomBytes } from 'node:crypto';
import { parseAuth, quote } from '../message/index.js';

const HASHES = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' } as const;

export interface DigestAnswer {
  method: string;
  uri: string;
  username: string;
  password: string;
  /** The nonce count, 1 unless given. */
  nc?: number;
}

/**
 * The Authorization (or Proxy-Authorization) value answering one WWW-Authenticate (or
 * Proxy-Authenticate) challenge value: its algorithm (MD5 or SHA-256), qop=auth when the
 * challenge offers it, its opaque echoed.
 */
export function digestAnswer(challenge: string, a: DigestAnswer): string {
  const p = parseAuth(challenge).params;
  const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase() as keyof typeof HASHES;
  const hash = HASHES[algorithm];
  if (!hash) throw new Error(`digest algorithm ${algorithm} not known`);
  const h = (s: string) => createHash(hash).update(s).digest('hex');
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const ha1 = h(`${a.username}:${realm}:${a.password}`);
  const ha2 = h(`${a.method}:${a.uri}`);
  const qop = p
    .get('qop')
    ?.split(',')
    .map((q) => q.trim())
    .includes('auth');
  const nc = (a.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const response = qop ? h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
  const opaque = p.get('opaque');
  return [
    `Digest username=${quote(a.username)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(a.uri)}`,
    `response="${response}", algorithm=${algorithm}`,
    ...(qop ? [`qop=auth, nc=${nc}, cnonce="${cnonce}"`] : []),
    ...(opaque !== undefined ? [`opaque=${quote(opaque)}`] : []),
  ].join(', ');
}
