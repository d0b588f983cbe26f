// A PIDF body (RFC 3863, with RFC 4479/4480 parts) that a phone PUBLISHes, read leniently
// (vendors send bodies their schema refuses) into the core's protocol-neutral published input.
import type { PublishedInput } from '../../../core/presence/published.js';
import { childNamed, childrenNamed, parseXmlBody, XmlBodyError, type XmlElement, type XmlLimits } from './xml.js';

/** Limits for a published PIDF body: phones send a few hundred bytes. */
export const PIDF_LIMITS: XmlLimits = { maxBytes: 16_384, maxDepth: 12, maxElements: 300 };

/** What a PIDF body says, protocol-neutral, plus its entity (the caller checks it against the AoR). */
export interface ParsedPidf extends PublishedInput {
  entity: string | null;
  /** The RPID activities named in the person (or tuple) elements, e.g. `on-the-phone`, `away`. */
  activities: string[];
}

const BUSY = new Set(['busy', 'meeting', 'appointment', 'presentation', 'performance']);
const AWAY = new Set([
  'away',
  'vacation',
  'holiday',
  'permanent-absence',
  'sleeping',
  'meal',
  'breakfast',
  'dinner',
  'travel',
  'in-transit',
]);
const DND = /^(dnd|do[ -]not[ -]disturb)$/i;
/** Notes that only name a state (what softphones put there by default) say nothing more. */
const STATE_WORDS =
  /^(online|offline|available|idle|away|busy|unknown|open|closed|on the phone|in a call|do not disturb|dnd|not available|unavailable)$/i;

const all = (el: XmlElement, name: string): XmlElement[] => [
  ...childrenNamed(el, name),
  ...el.children.flatMap((c) => all(c, name)),
];

/**
 * Parses a PUBLISHed PIDF: open when a tuple's basic is open (or no tuple says), the RPID
 * activities mapped to a call (`on-the-phone`), busy (busy, meeting, appointment …), away (away,
 * vacation, meal, travel …) or dnd (`<other>` saying so, or busy with a "do not disturb" note), idle
 * from any `user-input`, and the first note of the person, tuple or document that is more than a
 * state's name. Throws `XmlBodyError` (answer 400) over the limits, on DTDs, entities, processing
 * instructions, malformed XML or a root other than `presence`.
 *
 * @example const input = parsePidf(body); await core.presence.publish(tenantId, userId, etag, input, expiresAt);
 */
export function parsePidf(body: string, limits: XmlLimits = PIDF_LIMITS): ParsedPidf {
  const root = parseXmlBody(body, limits);
  if (root.name !== 'presence') throw new XmlBodyError('not a PIDF presence document');
  const tuples = childrenNamed(root, 'tuple');
  const persons = childrenNamed(root, 'person');
  const basics = tuples.flatMap((t) => childrenNamed(childNamed(t, 'status') ?? t, 'basic')).map((b) => b.text);
  const open = basics.length === 0 || basics.includes('open');
  const activityElements = [...persons, ...tuples].flatMap((e) => childrenNamed(e, 'activities'));
  const others = activityElements.flatMap((a) => childrenNamed(a, 'other')).map((o) => o.text);
  const activities = [...new Set(activityElements.flatMap((a) => a.children.map((c) => c.name)))].filter(
    (n) => n !== 'note' && n !== 'unknown',
  );
  const notes = [
    ...persons.flatMap((p) => childrenNamed(p, 'note')),
    ...activityElements.flatMap((a) => childrenNamed(a, 'note')),
    ...tuples.flatMap((t) => childrenNamed(t, 'note')),
    ...childrenNamed(root, 'note'),
  ].map((n) => n.text.trim());
  const dnd = others.some((o) => DND.test(o.trim())) || (activities.includes('busy') && notes.some((n) => DND.test(n)));
  const availability = dnd
    ? 'dnd'
    : activities.some((a) => BUSY.has(a))
      ? 'busy'
      : activities.some((a) => AWAY.has(a))
        ? 'away'
        : null;
  return {
    entity: root.attrs.entity ?? null,
    open,
    availability,
    onCall: activities.includes('on-the-phone'),
    idle: all(root, 'user-input').some((u) => u.text.trim() === 'idle'),
    note: notes.find((n) => n !== '' && !STATE_WORDS.test(n)) ?? null,
    activities,
  };
}
