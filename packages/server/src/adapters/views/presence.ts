import type { PresenceInfo, PresenceState } from '@parley/api';
import type { Presence } from '../../core/presence/aggregate.js';
import { type Language, presenceText } from '../../core/presence/text.js';

// The API forms of the core's presence, shared by the HTTP routes and the event socket.

/** Epoch milliseconds as ISO 8601, null kept. */
export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API form of a (visible) presence, without text: what `presence.changed` events carry. */
export const presenceState = (p: Presence): PresenceState => ({
  availability: p.availability,
  flags: [...p.flags],
  context: p.context,
  note: p.note,
  until: iso(p.until),
  since: iso(p.since),
  nextAppointment: p.nextAppointment && {
    start: new Date(p.nextAppointment.start).toISOString(),
    end: new Date(p.nextAppointment.end).toISOString(),
    subject: p.nextAppointment.subject,
  },
});

/** The API form of a (visible) presence with its text in the viewer's language and time zone. */
export const presenceInfo = (
  user: string,
  p: Presence,
  o: { lang: Language; timeZone: string; now: number },
): PresenceInfo => ({ user, ...presenceState(p), text: presenceText(p, o) });
