// RFC 7616 (HTTP Digest, as SIP uses it per RFC 3261 §22.4 and RFC 8760): the check of a Digest
// response against a device's stored HA1, for MD5 and SHA-256 with qop=auth. Issuing nonces,
// their expiry and the nonce-count replay check belong to the SIP adapter.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeviceDigests } from '../devices/model.js';

/** The parameters of an `Authorization: Digest …` header (names lower case, values unquoted). */
export interface DigestParams {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** `MD5` when absent (RFC 7616 §3.4). */
  algorithm?: string | undefined;
  qop?: string | undefined;
  cnonce?: string | undefined;
  nc?: string | undefined;
  opaque?: string | undefined;
  userhash?: string | undefined;
}

/** The algorithms checked, with the hash and the stored HA1 each uses. The -sess variants are not offered. */
const ALGORITHMS = {
  MD5: { hash: 'md5', ha1: 'ha1Md5', hexLength: 32 },
  'SHA-256': { hash: 'sha256', ha1: 'ha1Sha256', hexLength: 64 },
} as const;

export type DigestAlgorithm = keyof typeof ALGORITHMS;

const NC = /^[0-9a-f]{8}$/i;

/** What a device that answers a Digest challenge is checked against: its name, realm and HA1s. */
export interface DigestSecret extends DeviceDigests {
  username: string;
  realm: string;
}

/**
 * Whether `params` answer a Digest challenge for the request `method requestUri` with the device
 * secret behind `secret`'s HA1: response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":"
 * H(method ":" digest-uri)). Only qop=auth is accepted (RFC 3261 clients must support it; without
 * qop nothing of the client's goes into the response); the digest-uri must be the request's URI;
 * `userhash` is not offered. The comparison takes constant time.
 *
 * @example
 * verifyDigest(parsedAuthorization, 'REGISTER', 'sip:example.com', await core.devices.credentialsFor(tenantId, name))
 */
export function verifyDigest(params: DigestParams, method: string, requestUri: string, secret: DigestSecret): boolean {
  const name = (params.algorithm ?? 'MD5').toUpperCase();
  if (!Object.hasOwn(ALGORITHMS, name)) return false;
  const algorithm = ALGORITHMS[name as DigestAlgorithm];
  if (params.qop !== 'auth' || !params.cnonce || !params.nc || !NC.test(params.nc)) return false;
  if (params.userhash !== undefined && params.userhash !== 'false') return false;
  if (params.username !== secret.username || params.realm !== secret.realm || params.uri !== requestUri) return false;
  const h = (s: string) => createHash(algorithm.hash).update(s).digest('hex');
  const expected = h(
    `${secret[algorithm.ha1]}:${params.nonce}:${params.nc}:${params.cnonce}:auth:${h(`${method}:${params.uri}`)}`,
  );
  const given = params.response.toLowerCase();
  return given.length === algorithm.hexLength && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
