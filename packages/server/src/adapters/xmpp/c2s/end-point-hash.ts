// RFC 5929 §4.1 `tls-server-end-point`: the server certificate hashed with the hash of its
// signature algorithm — SHA-256 in place of MD5 and SHA-1 — and undefined for an algorithm that
// uses no hash or more than one (Ed25519, Ed448, unknown ones). The algorithm comes from the
// certificate's DER (node:crypto does not expose it): `Certificate ::= SEQUENCE { tbsCertificate,
// signatureAlgorithm AlgorithmIdentifier, signatureValue }` (RFC 5280 §4.1).

import { createHash } from 'node:crypto';

/** Signature algorithm OIDs and the hash the channel binding uses for them. */
const HASH_OF_SIGNATURE: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.1': 'sha224', // dsa-with-sha224
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
};

/** RSASSA-PSS: the hash is in its parameters (RFC 4055 §3.1; SHA-1 when absent). */
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

interface Tlv {
  tag: number;
  /** The value's bytes. */
  value: Buffer;
  /** Where the next element starts. */
  end: number;
}

/** One DER element at `at` (definite lengths only, as DER has). */
function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  let len = der[at + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let start = at + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('unsupported DER length');
    len = der.readUIntBE(start, bytes);
    start += bytes;
  }
  const end = start + len;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, value: der.subarray(start, end), end };
}

/** The elements of a constructed value. */
function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < value.length; at = out.at(-1)?.end as number) out.push(tlv(value, at));
  return out;
}

function oid(value: Buffer): string {
  const first = value[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let n = 0;
  for (const byte of value.subarray(1)) {
    n = n * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

/** An AlgorithmIdentifier's OID and its parameters. */
function algorithm(identifier: Tlv): { oid: string; params: Tlv | undefined } {
  const [id, params] = children(identifier.value);
  if (id?.tag !== 0x06) throw new Error('not an AlgorithmIdentifier');
  return { oid: oid(id.value), params };
}

/** The hash of a PSS signature: `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] … }`. */
function pssHash(params: Tlv | undefined): string | undefined {
  const hashField = params && children(params.value).find((c) => c.tag === 0xa0);
  if (!hashField) return HASH_OIDS['1.3.14.3.2.26'];
  const [identifier] = children(hashField.value);
  return identifier && HASH_OIDS[algorithm(identifier).oid];
}

/**
 * The hash (a node:crypto name) `tls-server-end-point` uses for this DER certificate, or
 * undefined when RFC 5929 leaves the binding undefined for its signature algorithm.
 *
 * @example endPointHash(socket.getCertificate().raw) // 'sha384' for ecdsa-with-SHA384
 */
export function endPointHash(der: Buffer): string | undefined {
  try {
    const [, signature] = children(tlv(der, 0).value);
    if (signature?.tag !== 0x30) return undefined;
    const { oid: alg, params } = algorithm(signature);
    return alg === RSASSA_PSS ? pssHash(params) : HASH_OF_SIGNATURE[alg];
  } catch {
    return undefined;
  }
}

/** The `tls-server-end-point` binding of this DER certificate, or undefined where RFC 5929 defines none. */
export function tlsServerEndPoint(der: Buffer): Buffer | undefined {
  const hash = endPointHash(der);
  return hash === undefined ? undefined : createHash(hash).update(der).digest();
}
