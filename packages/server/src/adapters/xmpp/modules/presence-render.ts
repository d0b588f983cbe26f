// The core's computed presence (already filtered for the watcher, `visibleTo`) as an XMPP
// `<presence/>` (RFC 6121 §4.7): availability as `<show/>`, the presence in words as `<status/>`
// in the watcher's language, idle as XEP-0319 `<idle/>`, the avatar's hash as XEP-0153 `<x/>`.
//
// Mapping: available → no <show/>; away → away, unless out of office or on vacation → xa;
// busy (a call, a meeting, a manual busy) and do not disturb → dnd; offline → type="unavailable"
// (no status: an XMPP client shows offline contacts by their absence). `chat` is never sent: the
// core has no "free for chat".
import type { Presence } from '../../../core/presence/aggregate.js';
import { type Language, languages, presenceText } from '../../../core/presence/text.js';
import { type XmlElement, x } from '../xml/element.js';

export const IDLE_NS = 'urn:xmpp:idle:1';
/** XEP-0153: the avatar's hash in presence. */
export const VCARD_UPDATE_NS = 'vcard-temp:x:update';

export type Show = 'away' | 'xa' | 'dnd';

export function showOf(p: Presence): Show | null {
  switch (p.availability) {
    case 'available':
    case 'offline':
      return null;
    case 'away':
      return p.flags.includes('out-of-office') || p.context === 'vacation' ? 'xa' : 'away';
    case 'busy':
    case 'dnd':
      return 'dnd';
  }
}

/** The session's language when the core speaks it, else English (RFC 5646 tag, `de-AT` → `de`). */
export function languageOf(lang: string): Language {
  const primary = lang.toLowerCase().split('-')[0] ?? '';
  return (languages as readonly string[]).includes(primary) ? (primary as Language) : 'en';
}

export interface RenderOptions {
  from: string;
  to?: string;
  /** The watcher's `xml:lang`. */
  lang: string;
  timeZone: string;
  now: number;
  /** XEP-0153: the SHA-1 (hex) of the user's avatar, null for none; undefined leaves it out. */
  photo?: string | null | undefined;
}

export function renderPresence(p: Presence, o: RenderOptions): XmlElement {
  const addressed = { from: o.from, to: o.to };
  if (p.availability === 'offline') return x('presence', { ...addressed, type: 'unavailable' });
  const lang = languageOf(o.lang);
  const show = showOf(p);
  const idle = p.flags.includes('idle') && p.since !== null;
  return x(
    'presence',
    addressed,
    show && x('show', {}, show),
    x('status', { 'xml:lang': lang }, presenceText(p, { lang, timeZone: o.timeZone, now: o.now })),
    idle && x('idle', { xmlns: IDLE_NS, since: new Date(p.since as number).toISOString() }),
    o.photo !== undefined && x('x', { xmlns: VCARD_UPDATE_NS }, x('photo', {}, o.photo)),
  );
}

/**
 * The zone times in status texts are shown in. An XMPP stream says nothing of its client's zone
 * (XEP-0202 would have to be asked per contact), so texts to XMPP clients use UTC.
 */
export const XMPP_TIME_ZONE = 'UTC';
