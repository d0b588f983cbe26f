// Server Dialback (XEP-0220) as pure pieces: the key (XEP-0185: HMAC-SHA256 of the receiving and
// originating domains and the stream id under the SHA-256 of a secret every node of the cluster
// shares, so any node can answer a verification for a stream another node opened), the elements
// both roles send, and what an answer says.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type XmlElement, x } from '../xml/element.js';

export const DIALBACK_NS = 'jabber:server:dialback';
/** The stream feature a server offering dialback lists (XEP-0220 §2.4, with `<errors/>`). */
export const DIALBACK_FEATURE_NS = 'urn:xmpp:features:dialback';

/**
 * XEP-0185 §3: HEX(HMAC-SHA256(HEX(SHA256(secret)), receiving + ' ' + originating + ' ' + streamId)).
 * @example dialbackKey(secret, 'partner.example', 'example.test', 'D60000229F')
 */
export function dialbackKey(secret: Buffer | string, receiving: string, originating: string, streamId: string): string {
  const hashed = createHash('sha256').update(secret).digest('hex');
  return createHmac('sha256', hashed).update(`${receiving} ${originating} ${streamId}`).digest('hex');
}

/** Whether `key` is the one this cluster issued for the stream (compared in constant time). */
export function dialbackKeyValid(
  secret: Buffer | string,
  key: string,
  receiving: string,
  originating: string,
  streamId: string,
): boolean {
  const expected = Buffer.from(dialbackKey(secret, receiving, originating, streamId));
  const given = Buffer.from(key.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A dialback element to send: `<db:result/>` or `<db:verify/>`, the prefix the stream header
 * declares (ejabberd knows these elements only by that name).
 */
export const dialback = (
  name: 'result' | 'verify',
  attrs: { from: string; to: string; id?: string; type?: 'valid' | 'invalid' | 'error' },
  key?: string,
): XmlElement => x(`db:${name}`, attrs, key);

/** What a `<db:result/>` or `<db:verify/>` with a `type` said; undefined when it is a request (no type). */
export function dialbackAnswer(el: XmlElement): 'valid' | 'invalid' | 'error' | undefined {
  const type = el.attrs.type;
  if (type === undefined) return undefined;
  return type === 'valid' || type === 'invalid' ? type : 'error';
}

/** Whether the element is of dialback (`<db:result/>` or `<db:verify/>`). */
export const isDialback = (el: XmlElement): boolean =>
  el.xmlns === DIALBACK_NS && (el.name === 'result' || el.name === 'verify');
