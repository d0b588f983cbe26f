// RFC 3863 PIDF with the RFC 4479 data model, RFC 4480 RPID and an RFC 4481 timed status: the
// core's computed presence, as one watcher may see it, for a `presence` NOTIFY.
import type { Presence } from '../../../core/presence/aggregate.js';
import { type Language, presenceText } from '../../../core/presence/text.js';
import { xmlEscape, xmlTime } from './xml.js';

export const PIDF_CONTENT_TYPE = 'application/pidf+xml';

/** RPID activities (RFC 4480 §3.2) this renderer uses. */
export type RpidActivity = 'on-the-phone' | 'meeting' | 'busy' | 'away' | 'vacation' | 'travel' | 'appointment';

export interface PidfOptions {
  /** The presentity, `sip:user@domain`. */
  entity: string;
  /** The watcher's language and time zone for the `<note>` text. */
  lang: Language;
  timeZone: string;
  now: number;
}

/**
 * What the presence says the person is doing, in RPID terms: a call (ringing, on a call, in a
 * conference) is `on-the-phone`, a meeting `meeting`, a vacation or business trip `vacation` or
 * `travel`; the availability adds `busy` (also for do-not-disturb, which RPID lacks) or `away`
 * when nothing more specific says so. Offline or plainly available: none.
 */
export function rpidActivities(p: Presence): RpidActivity[] {
  if (p.availability === 'offline') return [];
  const has = (f: Presence['flags'][number]) => p.flags.includes(f);
  const out: RpidActivity[] = [];
  if (has('ringing') || has('on-call') || has('conference')) out.push('on-the-phone');
  if (has('meeting') && (p.availability === 'busy' || p.availability === 'dnd')) out.push('meeting');
  if (p.context === 'vacation') out.push('vacation');
  if (p.context === 'business-trip') out.push('travel');
  if ((p.availability === 'busy' || p.availability === 'dnd') && out.length === 0) out.push('busy');
  if (p.availability === 'away' && !out.includes('vacation')) out.push('away');
  return out;
}

const activities = (list: RpidActivity[], attrs: string, note: string | null) =>
  `<rpid:activities${attrs}>${note ? `<rpid:note>${xmlEscape(note)}</rpid:note>` : ''}${list
    .map((a) => `<rpid:${a}/>`)
    .join('')}</rpid:activities>`;

/**
 * The PIDF document for `presence` (already filtered by `visibleTo` for the watcher: render only
 * what the watcher may see). One tuple for the user's SIP address with basic open/closed, idle as
 * RPID user-input, the status text as `<note>`; the person with its activities (`until` when the
 * user is expected back) and the next appointment as a timed status, its subject only if present.
 *
 * @example renderPidf(seen.presence, { entity: 'sip:alice@example.test', lang: 'en', timeZone: 'Europe/Berlin', now })
 */
export function renderPidf(p: Presence, o: PidfOptions): string {
  const entity = xmlEscape(o.entity);
  const lang = o.lang;
  const text = xmlEscape(presenceText(p, o));
  const open = p.availability !== 'offline';
  const idle = open && p.flags.includes('idle');
  const lastInput = idle && p.since !== null ? ` last-input="${xmlTime(p.since)}"` : '';
  const doing = rpidActivities(p);
  const until = p.until !== null && open ? ` until="${xmlTime(p.until)}"` : '';
  const next = open ? p.nextAppointment : null;
  const person = [
    doing.length > 0 ? activities(doing, until, null) : '',
    next
      ? `<ts:timed-status from="${xmlTime(next.start)}" until="${xmlTime(next.end)}">${activities(['appointment'], '', next.subject)}</ts:timed-status>`
      : '',
    `<dm:note xml:lang="${lang}">${text}</dm:note>`,
  ].join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"',
    ` xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:ts="urn:ietf:params:xml:ns:pidf:timed-status" entity="${entity}">`,
    '<tuple id="parley">',
    `<status><basic>${open ? 'open' : 'closed'}</basic></status>`,
    idle ? `<rpid:user-input${lastInput}>idle</rpid:user-input>` : '',
    `<contact>${entity}</contact>`,
    `<note xml:lang="${lang}">${text}</note>`,
    `<timestamp>${xmlTime(o.now)}</timestamp>`,
    '</tuple>',
    `<dm:person id="p">${person}</dm:person>`,
    '</presence>\n',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
