// What a 1:1 `<message/>` of a client means for the core (a body, a receipt, a chat state, a
// correction, a retraction, reactions, a reply), and the core's messages, changes, receipts and
// typing as `<message/>` stanzas. Pure: the chat module calls the core.
import type { MessageDetails } from '../../../core/messaging/model.js';
import { type XmlElement, x } from '../xml/element.js';

export const NS = {
  client: 'jabber:client',
  carbons: 'urn:xmpp:carbons:2',
  forward: 'urn:xmpp:forward:0',
  delay: 'urn:xmpp:delay',
  sid: 'urn:xmpp:sid:0',
  receipts: 'urn:xmpp:receipts',
  markers: 'urn:xmpp:chat-markers:0',
  chatStates: 'http://jabber.org/protocol/chatstates',
  correct: 'urn:xmpp:message-correct:0',
  retract: 'urn:xmpp:message-retract:1',
  reactions: 'urn:xmpp:reactions:0',
  reply: 'urn:xmpp:reply:0',
  fallback: 'urn:xmpp:fallback:0',
  hints: 'urn:xmpp:hints',
  oob: 'jabber:x:oob',
} as const;

export type ChatState = 'active' | 'composing' | 'paused' | 'inactive' | 'gone';
const CHAT_STATES: readonly string[] = ['active', 'composing', 'paused', 'inactive', 'gone'];

/** At most this many reactions in one `<reactions/>` (XEP-0444 leaves the limit to the server). */
export const MAX_REACTIONS = 20;

/** What a client's `<message/>` asks of the core; every part is optional. */
export interface ChatInput {
  /** The client's key for the message: its XEP-0359 origin-id, else the stanza id. */
  clientId: string | undefined;
  /** The text, without a XEP-0461 reply fallback. */
  body: string | undefined;
  chatState: ChatState | undefined;
  /** XEP-0184 `<received/>` or a XEP-0333 `<received/>` marker: the id of the message delivered. */
  received: string | undefined;
  /** XEP-0333 `<displayed/>` or `<acknowledged/>`: the id of the message read. */
  displayed: string | undefined;
  /** XEP-0308: the id of the message this corrects. */
  replace: string | undefined;
  /** XEP-0424: the id of the message to retract. */
  retract: string | undefined;
  /** XEP-0444: the sender's whole set of reactions to a message. */
  reactions: { id: string; emojis: string[] } | undefined;
  /** XEP-0461: the id of the message this replies to. */
  replyTo: string | undefined;
  /** XEP-0280: `<private/>` with `<no-copy/>` (RFC: both hints keep carbons away). */
  noCarbons: boolean;
  /** XEP-0066: the URL of a file the message carries (a XEP-0363 GET URL). */
  oob: string | undefined;
}

/** Code points `start`..`end` of `text` removed (XEP-0426 counts code points). */
function cut(text: string, start: number, end: number): string {
  const chars = Array.from(text);
  if (!(start >= 0 && end > start && end <= chars.length)) return text;
  return chars.slice(0, start).join('') + chars.slice(end).join('');
}

/** The body without the XEP-0461 reply fallback (the quoted lines), when the message marks one. */
function bodyOf(message: XmlElement): string | undefined {
  const body = message.childText('body');
  if (body === undefined) return undefined;
  const fallback = message.elements('fallback', NS.fallback).find((f) => f.attrs.for === NS.reply);
  const range = fallback?.child('body');
  if (!range) return body;
  return cut(body, Number(range.attrs.start ?? 0), Number(range.attrs.end));
}

/** XEP-0280 §6: a message marked `<private/>` (or `<no-copy/>`) gets no carbons. */
export const withoutCarbons = (message: XmlElement): boolean =>
  message.child('private', NS.carbons) !== undefined || message.child('no-copy', NS.hints) !== undefined;

/** Reads a client's 1:1 `<message/>`. */
export function parseChat(message: XmlElement): ChatInput {
  const ref = (name: string, ns: string) => message.child(name, ns)?.attrs.id;
  const state = message.elements().find((c) => c.xmlns === NS.chatStates && CHAT_STATES.includes(c.name));
  const reactions = message.child('reactions', NS.reactions);
  const emojis = reactions?.elements('reaction').map((r) => r.text().trim());
  return {
    clientId: ref('origin-id', NS.sid) ?? message.attrs.id,
    body: bodyOf(message),
    chatState: state?.name as ChatState | undefined,
    received: ref('received', NS.receipts) ?? ref('received', NS.markers),
    displayed: ref('displayed', NS.markers) ?? ref('acknowledged', NS.markers),
    replace: ref('replace', NS.correct),
    retract: ref('retract', NS.retract),
    reactions:
      reactions?.attrs.id !== undefined && emojis
        ? { id: reactions.attrs.id, emojis: [...new Set(emojis.filter((e) => e !== ''))] }
        : undefined,
    replyTo: ref('reply', NS.reply),
    noCarbons: withoutCarbons(message),
    oob: message.child('x', NS.oob)?.childText('url')?.trim(),
  };
}

/** XEP-0082 date-time of epoch milliseconds (UTC, no fraction). */
export const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How a stanza about a message addresses it. */
export interface Addressing {
  /** The sender's bare JID (or whoever acted; in a room: room/nick). */
  from: string;
  /** The receiving session's JID (full) or the recipient's bare JID. */
  to: string;
  /**
   * In a room (XEP-0045): type groupchat, and retractions and reactions name the message by the
   * room's stanza-id (XEP-0424 §4, XEP-0444 §3.2) instead of the sender's client key.
   */
  groupchat?: boolean;
}

const typeOf = (a: Addressing) => (a.groupchat ? 'groupchat' : 'chat');
/** How a retraction or reaction names the message. */
const refOf = (m: MessageDetails, a: Addressing) => (a.groupchat ? m.id : m.clientId);

export interface ChatRender extends Addressing {
  /** The archive owner (the recipient's bare JID) that assigned the XEP-0359 stanza-id. */
  by: string;
  /** The message replied to: the id the recipient knows it by and its sender's bare JID. */
  replyTo?: { id: string; to: string } | undefined;
  /** Whether to ask for receipts and markers (not on copies of one's own messages). */
  request: boolean;
}

/**
 * A core message as a `<message type=chat/>`, its id the sender's client key. Its files are their
 * links (`files`, in order) on lines after the text, the first also as XEP-0066 out-of-band data;
 * a message of one file and no text has exactly its link as body (clients then show the file).
 */
export function chatMessage(m: MessageDetails, r: ChatRender, files: readonly string[] = []): XmlElement {
  if (m.deletedAt !== null) return tombstone(m, r);
  const body = [m.text, ...files].filter((line) => line !== '').join('\n');
  return x(
    'message',
    { from: r.from, to: r.to, type: 'chat', id: m.clientId },
    x('body', {}, body),
    files[0] !== undefined && x('x', { xmlns: NS.oob }, x('url', {}, files[0])),
    x('stanza-id', { xmlns: NS.sid, id: m.id, by: r.by }),
    x('origin-id', { xmlns: NS.sid, id: m.clientId }),
    r.replyTo && x('reply', { xmlns: NS.reply, id: r.replyTo.id, to: r.replyTo.to }),
    r.request && [x('request', { xmlns: NS.receipts }), x('markable', { xmlns: NS.markers })],
  );
}

/** XEP-0424 §tombstones: what the archive holds of a retracted message. */
function tombstone(m: MessageDetails, r: ChatRender): XmlElement {
  return x(
    'message',
    { from: r.from, to: r.to, type: 'chat', id: m.clientId },
    x('retracted', { xmlns: NS.retract, stamp: stamp(m.deletedAt ?? m.createdAt) }),
    x('stanza-id', { xmlns: NS.sid, id: m.id, by: r.by }),
    x('origin-id', { xmlns: NS.sid, id: m.clientId }),
  );
}

/** XEP-0308: the message's new text as a correction of the one its client key names. */
export function correction(m: MessageDetails, a: Addressing): XmlElement {
  return x(
    'message',
    { from: a.from, to: a.to, type: typeOf(a), id: `${m.id}.${m.editedAt ?? 0}` },
    x('body', {}, m.text),
    x('replace', { xmlns: NS.correct, id: m.clientId }),
    x('store', { xmlns: NS.hints }),
  );
}

/** XEP-0424: the message was retracted (with the XEP's fallback body for clients that do not know it). */
export function retraction(m: MessageDetails, a: Addressing): XmlElement {
  return x(
    'message',
    { from: a.from, to: a.to, type: typeOf(a), id: `${m.id}.retract` },
    x('retract', { xmlns: NS.retract, id: refOf(m, a) }),
    x('fallback', { xmlns: NS.fallback, for: NS.retract }),
    x('body', {}, 'This person attempted to retract a previous message, but it is unsupported by your client.'),
    x('store', { xmlns: NS.hints }),
  );
}

/** XEP-0444: the whole set of one user's reactions to the message. */
export function reactionsOf(m: MessageDetails, userId: string, a: Addressing): XmlElement {
  const mine = m.reactions.filter((g) => g.userIds.includes(userId)).map((g) => g.emoji);
  return x(
    'message',
    { from: a.from, to: a.to, type: typeOf(a) },
    x('reactions', { xmlns: NS.reactions, id: refOf(m, a) }, ...mine.map((e) => x('reaction', {}, e))),
    x('store', { xmlns: NS.hints }),
  );
}

/** XEP-0085: a chat state (typing → composing, stopped → paused), never archived. */
export function chatState(typing: boolean, a: Addressing): XmlElement {
  return x(
    'message',
    { from: a.from, to: a.to, type: typeOf(a) },
    x(typing ? 'composing' : 'paused', { xmlns: NS.chatStates }),
    x('no-store', { xmlns: NS.hints }),
  );
}

/** XEP-0184 receipt and XEP-0333 marker: the message with client key `id` was delivered or read. */
export function receipt(kind: 'delivered' | 'read', id: string, a: Addressing): XmlElement {
  return x(
    'message',
    { from: a.from, to: a.to, type: 'chat' },
    kind === 'delivered'
      ? [x('received', { xmlns: NS.receipts, id }), x('received', { xmlns: NS.markers, id })]
      : x('displayed', { xmlns: NS.markers, id }),
    x('store', { xmlns: NS.hints }),
  );
}

/** XEP-0297: a stanza forwarded (with its XEP-0203 delay when given), in the client namespace. */
export function forwarded(inner: XmlElement, delayMs?: number): XmlElement {
  return x(
    'forwarded',
    { xmlns: NS.forward },
    delayMs !== undefined && x('delay', { xmlns: NS.delay, stamp: stamp(delayMs) }),
    inner.withAttrs({ xmlns: NS.client }),
  );
}

/** XEP-0280: a copy of `inner` for another resource of the user (`owner`: their bare JID). */
export function carbon(kind: 'sent' | 'received', inner: XmlElement, owner: string, to: string): XmlElement {
  return x('message', { from: owner, to, type: inner.attrs.type }, x(kind, { xmlns: NS.carbons }, forwarded(inner)));
}
