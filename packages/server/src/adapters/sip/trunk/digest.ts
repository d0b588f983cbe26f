// The client side of SIP digest (RFC 3261 §22.4, RFC 8760): Parley answering a trunk's challenges, and the tests' phones.
import { createHash, randomBytes } from 'node:crypto';
import type { Body, Fork } from '../b2bua/parts.js';
import { parseAuth, quote, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';

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

/**
 * A trunk's 401/407 to a fork's INVITE, answered once with the fork's credentials: the INVITE again
 * in the same dialog attempt (CSeq + 1, RFC 3261 §22.2) carrying `offer`; undefined when the
 * response is no challenge to answer (no credentials, answered before, no known algorithm).
 */
export function answerChallenge(fork: Fork, r: SipResponse, offer: Body): SipRequest | undefined {
  const credentials = fork.credentials;
  if ((r.status !== 401 && r.status !== 407) || !credentials || fork.challenged) return undefined;
  const challenge = singleHeader(r.headers, r.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
  if (!challenge) return undefined;
  let answer: string;
  try {
    answer = digestAnswer(challenge, { method: 'INVITE', uri: fork.leg.remoteTarget, ...credentials });
  } catch {
    return undefined;
  }
  fork.challenged = true;
  return fork.leg.request('INVITE', {
    headers: [{ name: r.status === 401 ? 'Authorization' : 'Proxy-Authorization', value: answer }, ...offer.headers],
    ...(offer.body && { body: offer.body }),
  });
}
