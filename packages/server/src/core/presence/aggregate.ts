// The presence aggregation of DESIGN §6: one pure function from the stored inputs and `now` to
// the computed presence. The rules are listed, in this order, in docs/presence.md.
import {
  type Availability,
  type CalendarBlock,
  type CalendarSnapshot,
  type LineState,
  type PresenceContext,
  type PresenceFlag,
  presenceFlags,
} from './model.js';

/** The user's own setting. `availability` null: only a note/context, the system decides the state. */
export interface ManualInput {
  availability: Availability | null;
  note: string | null;
  context: PresenceContext | null;
  /** "Available again at", as the user announces it. */
  until: number | null;
  validFrom: number | null;
  validTo: number | null;
  setAt: number;
}

/** One phone line's state and when it entered it. */
export interface LineInput {
  line: string;
  state: LineState;
  since: number;
}

/** One connected client (an open event socket, a desk app …). `since`: when it connected or its state last changed. */
export interface ClientInput {
  id: string;
  mobile: boolean;
  idle: boolean;
  since: number;
  /** What the client itself says of its user (a phone's SIP PUBLISH); absent for plain clients. */
  published?: PublishedState;
}

/** A state a device published for its user, protocol-neutral (PIDF basic, RPID activities, note). */
export interface PublishedState {
  /** The device is there for the user; a closed one counts as no client. */
  open: boolean;
  /** What the user set on the device (busy, away, do-not-disturb), null when it says nothing. */
  availability: 'busy' | 'away' | 'dnd' | null;
  /** The device reports its user on a call (one Parley's lines do not see). */
  onCall: boolean;
  note: string | null;
}

/** One WebRTC session the user takes part in. */
export interface RtcInput {
  id: string;
  participants: number;
  since: number;
}

/**
 * The user's call settings as presence sees them (`core/forwarding`): since when each setting that
 * shows is on, null while it is off. The switch enforces them, so they hold with no client or line.
 */
export interface CallSettingsInput {
  /** Do not disturb: calls to the user are refused. */
  dndSince: number | null;
  /** Immediate forwarding: calls to the user go elsewhere before anything rings. */
  forwardedSince: number | null;
}

export interface PresenceInputs {
  manual: ManualInput | null;
  lines: LineInput[];
  calendar: CalendarSnapshot | null;
  clients: ClientInput[];
  rtc: RtcInput[];
  callSettings: CallSettingsInput | null;
}

/** Inputs of a user who has none (each source's empty value). */
export const noInputs = (): PresenceInputs => ({
  manual: null,
  lines: [],
  calendar: null,
  clients: [],
  rtc: [],
  callSettings: null,
});

export interface Appointment {
  start: number;
  end: number;
  subject: string | null;
}

/** The computed presence of one user (everything; visibility filters it per watcher). */
export interface Presence {
  availability: Availability;
  /** In the canonical order of `presenceFlags`. */
  flags: PresenceFlag[];
  context: PresenceContext | null;
  note: string | null;
  /** When the user is expected to be available again. */
  until: number | null;
  /** Since when the current availability holds, where known (idle, call, meeting, manual). */
  since: number | null;
  nextAppointment: Appointment | null;
}

export interface Aggregate {
  presence: Presence;
  /** When the result changes by time alone (a meeting starts or ends, a manual state begins or ends). */
  nextChange: number | null;
  /**
   * The manual availability was ended by a later system event (anchor rule). The caller drops it
   * for good, so it does not come back when the call or meeting is over.
   */
  manualBroken: boolean;
}

export const offlinePresence: Presence = {
  availability: 'offline',
  flags: [],
  context: null,
  note: null,
  until: null,
  since: null,
  nextAppointment: null,
};

const callStates: ReadonlySet<LineState> = new Set(['dialing', 'connected', 'held']);

/** The merged span of blocks of `show` that contains `now` (back-to-back and overlapping blocks join). */
function spanAt(blocks: CalendarBlock[], show: CalendarBlock['show'], now: number) {
  const sorted = blocks.filter((b) => b.show === show && b.end > b.start).sort((a, b) => a.start - b.start);
  let span: { start: number; end: number } | null = null;
  for (const b of sorted) {
    if (span && b.start <= span.end) span.end = Math.max(span.end, b.end);
    else if (span && span.end > now) break;
    else span = { start: b.start, end: b.end };
  }
  return span && span.start <= now && now < span.end ? span : null;
}

/** The smallest of the given times, ignoring absent ones. */
export const min = (values: (number | null | undefined)[]): number | null => {
  let m: number | null = null;
  for (const v of values) if (v != null && (m === null || v < m)) m = v;
  return m;
};

export function aggregate(inputs: PresenceInputs, now: number): Aggregate {
  const { manual, lines, rtc } = inputs;
  const clients = inputs.clients.filter((c) => c.published?.open !== false);
  const published = clients
    .filter((c) => c.published)
    .sort((a, b) => b.since - a.since)
    .map((c) => ({ since: c.since, ...(c.published as PublishedState) }));
  const publishedCalls = published.filter((c) => c.onCall);
  const publishedState = published.find((c) => c.availability === 'busy' || c.availability === 'away');
  const blocks = (inputs.calendar?.blocks ?? []).filter((b) => b.show !== 'free' && b.end > b.start);
  const flags = new Set<PresenceFlag>();

  // Manual input: active inside [validFrom, validTo); its anchor is when it took effect.
  const manualActive =
    manual !== null &&
    (manual.validFrom === null || manual.validFrom <= now) &&
    (manual.validTo === null || now < manual.validTo);
  const anchor = manual ? Math.max(manual.setAt, manual.validFrom ?? -Infinity) : 0;

  // Call settings.
  const settingsDnd = inputs.callSettings?.dndSince ?? null;
  if ((inputs.callSettings?.forwardedSince ?? null) !== null || lines.some((l) => l.state === 'forwarded'))
    flags.add('forwarded');

  // Phone and rtc.
  const ringing = lines.filter((l) => l.state === 'ringing');
  const calls = lines.filter((l) => callStates.has(l.state));
  const deviceDnd = lines.some((l) => l.state === 'dnd') || published.some((c) => c.availability === 'dnd');
  if (ringing.length > 0) flags.add('ringing');
  if (calls.length > 0 || rtc.length > 0 || publishedCalls.length > 0) flags.add('on-call');
  if (rtc.some((r) => r.participants > 2)) flags.add('conference');
  const phoneSince = min([...ringing, ...calls, ...rtc, ...publishedCalls].map((x) => x.since));

  // Calendar.
  const meeting = spanAt(blocks, 'busy', now);
  const oof = spanAt(blocks, 'out-of-office', now);
  if (meeting) flags.add('meeting');
  if (oof) flags.add('out-of-office');

  // Clients.
  const allIdle = clients.length > 0 && clients.every((c) => c.idle);
  const idleSince = allIdle ? Math.max(...clients.map((c) => c.since)) : null;
  if (allIdle) flags.add('idle');
  if (clients.length > 0 && clients.every((c) => c.mobile)) flags.add('mobile');

  // Anchor rule: a later system event other than "available" ends a manual state (not DND).
  const systemEventAfterAnchor =
    [...ringing, ...calls, ...rtc, ...publishedCalls].some((x) => x.since > anchor) ||
    (settingsDnd !== null && settingsDnd > anchor) ||
    blocks.some((b) => (b.show === 'busy' || b.show === 'out-of-office') && b.start > anchor && b.start <= now) ||
    (manual?.availability === 'available' && idleSince !== null && idleSince > anchor);
  const manualAvailability = manualActive ? manual.availability : null;
  const manualBroken = manualAvailability !== null && manualAvailability !== 'dnd' && systemEventAfterAnchor;

  let availability: Availability;
  let until: number | null = null;
  let since: number | null = null;
  if (manualAvailability !== null && !manualBroken) {
    availability = manualAvailability;
    until = manual?.until ?? manual?.validTo ?? null;
    since = anchor;
  } else if (settingsDnd !== null || deviceDnd) {
    availability = 'dnd';
    since = settingsDnd;
  } else if (flags.has('ringing') || flags.has('on-call')) {
    availability = 'busy';
    since = phoneSince;
  } else if (oof) {
    availability = 'away';
    until = oof.end;
    since = oof.start;
  } else if (meeting) {
    availability = 'busy';
    until = meeting.end;
    since = meeting.start;
  } else if (publishedState) {
    availability = publishedState.availability as Availability;
    since = publishedState.since;
  } else if (clients.length === 0 && lines.length === 0) {
    availability = 'offline';
  } else if (allIdle) {
    availability = 'away';
    since = idleSince;
  } else {
    availability = 'available';
  }

  const note = (manualActive && manual.note) || published.find((c) => c.note)?.note || null;
  if (note) flags.add('note');
  const next = blocks.filter((b) => b.start > now).sort((a, b) => a.start - b.start)[0];

  return {
    presence: {
      availability,
      flags: presenceFlags.filter((f) => flags.has(f)),
      context: manualActive ? manual.context : null,
      note,
      until,
      since,
      nextAppointment: next ? { start: next.start, end: next.end, subject: next.subject } : null,
    },
    nextChange: min([
      ...(manual ? [manual.validFrom, manual.validTo].filter((t) => t !== null && t > now) : []),
      ...blocks.flatMap((b) => [b.start, b.end]).filter((t) => t > now),
    ]),
    manualBroken,
  };
}

/** Structural equality of two computed presences (what decides whether to publish). */
export function samePresence(a: Presence, b: Presence): boolean {
  return (
    a.availability === b.availability &&
    a.context === b.context &&
    a.note === b.note &&
    a.until === b.until &&
    a.since === b.since &&
    a.flags.join() === b.flags.join() &&
    a.nextAppointment?.start === b.nextAppointment?.start &&
    a.nextAppointment?.end === b.nextAppointment?.end &&
    a.nextAppointment?.subject === b.nextAppointment?.subject
  );
}
