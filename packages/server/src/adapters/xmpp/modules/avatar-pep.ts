// XEP-0084 user avatars as two PEP nodes: what a publish to them asks, and the items and
// notifications that show an avatar. Pure: avatar.ts calls the core.
import { createHash } from 'node:crypto';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';

export const PUBSUB = 'http://jabber.org/protocol/pubsub';
export const PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
export const AVATAR_DATA = 'urn:xmpp:avatar:data';
export const AVATAR_METADATA = 'urn:xmpp:avatar:metadata';
/** XEP-0163 §4: a client that wants avatar notifications says so in its caps. */
export const AVATAR_NOTIFY = `${AVATAR_METADATA}+notify`;

/** The avatar as PEP shows it (the core's, by its SHA-1). */
export interface PepAvatar {
  sha1: string;
  contentType: string;
  bytes: Buffer;
}

/** What a publish to one of the avatar nodes asks. */
export type AvatarPublish =
  /** Image data: `id` is the data's SHA-1. */
  | { kind: 'data'; id: string; bytes: Buffer }
  /** Metadata: the image now in use (its id and type), or none (`info` undefined: no avatar). */
  | { kind: 'metadata'; info: { id: string; type: string; bytes: number } | undefined };

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Whether a node is one of the avatar's (the core's avatar, not a stored node). */
export const isAvatarNode = (node: string): boolean => node === AVATAR_DATA || node === AVATAR_METADATA;

/** Reads the item (its id and payload) published to an avatar node; refuses what it cannot be (bad-request). */
export function parseAvatarPublish(node: string, id: string | undefined, payload: XmlElement): AvatarPublish {
  if (node === AVATAR_DATA) {
    const data = payload.name === 'data' && payload.xmlns === AVATAR_DATA ? payload.text() : '';
    if (!id || !BASE64.test(data)) throw new StanzaError('bad-request', 'an item with an id and base64 data');
    const bytes = Buffer.from(data, 'base64');
    if (createHash('sha1').update(bytes).digest('hex') !== id.toLowerCase()) {
      throw new StanzaError('bad-request', "the item id is not the data's SHA-1");
    }
    return { kind: 'data', id: id.toLowerCase(), bytes };
  }
  if (payload.name !== 'metadata' || payload.xmlns !== AVATAR_METADATA) {
    throw new StanzaError('bad-request', 'an item with <metadata/>');
  }
  // Infos with a url point elsewhere (XEP-0084 §4.2.1); the one without is the data published here.
  const info = payload.elements('info').find((i) => i.attrs.url === undefined);
  if (!info) return { kind: 'metadata', info: undefined };
  const { id: infoId, type: contentType } = info.attrs;
  if (!infoId || !contentType) throw new StanzaError('bad-request', '<info/> needs id and type');
  return { kind: 'metadata', info: { id: infoId.toLowerCase(), type: contentType, bytes: Number(info.attrs.bytes) } };
}

const metadataOf = (a: PepAvatar | null): XmlElement =>
  x(
    'metadata',
    { xmlns: AVATAR_METADATA },
    a && x('info', { id: a.sha1, type: a.contentType, bytes: String(a.bytes.length) }),
  );

/** The items of a node (XEP-0084 §4.3): the metadata, or the data the id names. */
export function itemsOf(node: string, a: PepAvatar, itemId?: string): XmlElement {
  if (node === AVATAR_DATA && itemId !== undefined && itemId.toLowerCase() !== a.sha1) {
    throw new StanzaError('item-not-found');
  }
  const payload = node === AVATAR_DATA ? x('data', { xmlns: AVATAR_DATA }, a.bytes.toString('base64')) : metadataOf(a);
  return x('pubsub', { xmlns: PUBSUB }, x('items', { node }, x('item', { id: a.sha1 }, payload)));
}

/** The answer to a publish (XEP-0060 §7.1.2). */
export const published = (node: string, id: string): XmlElement =>
  x('pubsub', { xmlns: PUBSUB }, x('publish', { node }, x('item', { id })));

/** The +notify event (XEP-0084 §4.1, §4.4 when gone): the owner's avatar metadata now. */
export function metadataEvent(from: string, to: string, a: PepAvatar | null): XmlElement {
  return x(
    'message',
    { from, to, type: 'headline' },
    x(
      'event',
      { xmlns: PUBSUB_EVENT },
      x('items', { node: AVATAR_METADATA }, x('item', { id: a?.sha1 ?? 'current' }, metadataOf(a))),
    ),
  );
}
