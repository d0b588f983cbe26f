// iCalendar (RFC 5545) → CalendarBlocks: parsing with ical.js, recurrence expansion (RRULE, RDATE,
// EXDATE, RECURRENCE-ID overrides incl. RANGE=THISANDFUTURE), time zones from the calendar's own
// VTIMEZONEs (IANA names through Intl when a VTIMEZONE is missing), all-day events in the user's zone.
import ICAL from 'ical.js';
import type { CalendarBlock } from '../presence/model.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;
type Event = InstanceType<typeof ICAL.Event>;

/** A calendar body that cannot be used: too large, not iCalendar, or broken inside. */
export class CalendarFormatError extends Error {
  override name = 'CalendarFormatError';
}

/** A calendar whose expansion exceeds its budget (instances, recurrence steps or time). */
export class CalendarTooComplexError extends Error {
  override name = 'CalendarTooComplexError';
}

const count = (n: number) => n.toLocaleString('en-US');

export interface ExpandOptions {
  /** Window start and end, epoch ms (UTC); blocks overlapping it are returned. */
  from: number;
  to: number;
  /** IANA zone for all-day events and floating times (default UTC). */
  timeZone?: string;
  /** Most recurrence steps per event; the rest of that event is dropped silently. */
  maxSteps?: number;
  /**
   * Most recurrence steps of all events together (steps before the window count too); beyond it the
   * whole calendar is refused with CalendarTooComplexError (FREQ=SECONDLY bombs).
   */
  maxTotalSteps?: number;
  /** Most instances overlapping the window, all events together; beyond it CalendarTooComplexError. */
  maxInstances?: number;
  /** Most blocks returned in total. */
  maxBlocks?: number;
  /** Called for an event that cannot be expanded (bad dates or rules); the event is skipped. */
  onSkip?: (uid: string, err: Error) => void;
}

export const defaultMaxIcsBytes = 5 * 1024 * 1024;

/** Parses one iCalendar text into its VCALENDAR component; throws CalendarFormatError. */
export function parseIcs(text: string, maxBytes = defaultMaxIcsBytes): Component {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new CalendarFormatError(`calendar body exceeds ${maxBytes} bytes`);
  }
  if (!/^\s*BEGIN:VCALENDAR/i.test(text)) throw new CalendarFormatError('not an iCalendar body (no BEGIN:VCALENDAR)');
  checkNesting(text);
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (err) {
    throw new CalendarFormatError(`malformed iCalendar: ${unquoted((err as Error).message)}`);
  }
  // Several VCALENDARs in one body parse to an array of them; only the first is meaningful then.
  const root = Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal[0] : jcal;
  const comp = new ICAL.Component(root as unknown[]);
  if (comp.name !== 'vcalendar') throw new CalendarFormatError(`expected VCALENDAR, found ${comp.name.toUpperCase()}`);
  return comp;
}

/**
 * ical.js's reason without the text it quotes from the body ("invalid line … \"<the line>\""): a
 * message never carries what a remote server answered (docs/security.md).
 */
function unquoted(message: string): string {
  if (message.startsWith('invalid line')) return 'a line is no property (NAME:value)';
  const quote = message.indexOf('"');
  return quote < 0 ? message : message.slice(0, quote).trimEnd();
}

/** BEGIN/END must pair up (ical.js silently accepts a stray END). */
function checkNesting(text: string) {
  const stack: string[] = [];
  for (const m of text.matchAll(/^(BEGIN|END):([A-Za-z0-9-]+)\s*$/gim)) {
    const [, kind, name] = m as unknown as [string, string, string];
    if (kind.toUpperCase() === 'BEGIN') stack.push(name.toUpperCase());
    else if (stack.pop() !== name.toUpperCase()) {
      throw new CalendarFormatError(`malformed iCalendar: END:${name.toUpperCase()} without matching BEGIN`);
    }
  }
  if (stack.length > 0) throw new CalendarFormatError(`malformed iCalendar: BEGIN:${stack.at(-1)} is never ended`);
}

const isValidZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offset of `tz` from UTC at instant `utc` (ms). */
function zoneOffset(utc: number, tz: string): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(utc))) p[x.type] = Number(x.value);
  const n = (k: string) => p[k] ?? 0;
  return (
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(utc / 1000) * 1000
  );
}

/** A wall-clock time in an IANA zone → epoch ms (gaps resolve forward, like most calendars). */
export function wallClockToUtc(
  t: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  tz: string,
): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (tz === 'UTC') return wall;
  const first = wall - zoneOffset(wall, tz);
  const second = wall - zoneOffset(first, tz);
  return second;
}

/** An ical.js time → epoch ms; floating times and all-day dates use `fallbackZone`. */
function toUtc(t: Time, fallbackZone: string): number {
  const tzid = t.zone?.tzid;
  if (!t.isDate && tzid && tzid !== 'floating') return t.toUnixTime() * 1000;
  const parts = t.isDate ? { year: t.year, month: t.month, day: t.day, hour: 0, minute: 0, second: 0 } : t;
  return wallClockToUtc(parts, fallbackZone);
}

/** The zone for floating values of one event: an IANA TZID without VTIMEZONE, else the user's zone. */
function floatingZone(ev: Event, userZone: string): string {
  const tzid = ev.component.getFirstProperty('dtstart')?.getParameter('tzid');
  return typeof tzid === 'string' && isValidZone(tzid) ? tzid : userZone;
}

const cdoStatus: Record<string, CalendarBlock['show']> = {
  OOF: 'out-of-office',
  FREE: 'free',
  WORKINGELSEWHERE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
};

/** How an event shows, or undefined when it does not count at all (cancelled). */
export function showOf(ev: Component): CalendarBlock['show'] | undefined {
  const text = (name: string) => {
    const v = ev.getFirstPropertyValue(name);
    return typeof v === 'string' ? v.trim().toUpperCase() : undefined;
  };
  if (text('status') === 'CANCELLED') return undefined;
  const cdo = text('x-microsoft-cdo-busystatus') ?? text('x-microsoft-cdo-intendedstatus');
  if (cdo && cdo in cdoStatus) return cdoStatus[cdo];
  if (text('transp') === 'TRANSPARENT') return 'free';
  if (text('status') === 'TENTATIVE') return 'tentative';
  return 'busy';
}

/** SUMMARY, hidden for CLASS:PRIVATE/CONFIDENTIAL events. */
function subjectOf(ev: Component): string | null {
  const cls = ev.getFirstPropertyValue('class');
  if (typeof cls === 'string' && /^(PRIVATE|CONFIDENTIAL)$/i.test(cls)) return null;
  const s = ev.getFirstPropertyValue('summary');
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : null;
}

/**
 * Expands every VEVENT of the given calendars into UTC blocks overlapping [from, to), sorted by start.
 * Overrides (RECURRENCE-ID) are matched to their master by UID across all the calendars given, as
 * CalDAV stores one event per resource and ICS feeds put them side by side.
 */
export function expandCalendars(calendars: Component[], o: ExpandOptions): CalendarBlock[] {
  const zone = o.timeZone ?? 'UTC';
  const maxSteps = o.maxSteps ?? 20_000;
  const maxBlocks = o.maxBlocks ?? 5_000;
  const maxTotalSteps = o.maxTotalSteps ?? 100_000;
  const maxInstances = o.maxInstances ?? 10_000;
  let steps = 0;
  let instances = 0;
  const step = () => {
    if (++steps > maxTotalSteps) {
      throw new CalendarTooComplexError(`calendar too complex: more than ${count(maxTotalSteps)} recurrence steps`);
    }
  };
  const groups = new Map<string, { master?: Component; exceptions: Component[] }>();
  let anonymous = 0;
  for (const cal of calendars) {
    for (const vevent of cal.getAllSubcomponents('vevent')) {
      const uid = String(vevent.getFirstPropertyValue('uid') ?? `anonymous-${anonymous++}`);
      const g = groups.get(uid) ?? { exceptions: [] };
      if (vevent.hasProperty('recurrence-id')) g.exceptions.push(vevent);
      else g.master ??= vevent;
      groups.set(uid, g);
    }
  }
  const blocks: CalendarBlock[] = [];
  const add = (start: number, end: number, item: Event) => {
    if (end < start) end = start;
    // Zero-length events (no DTEND, no DURATION) still overlap the instant they happen.
    if (start >= o.to || end < o.from || (end === o.from && end !== start)) return;
    if (++instances > maxInstances) {
      throw new CalendarTooComplexError(
        `calendar too complex: more than ${count(maxInstances)} instances in the window`,
      );
    }
    const show = showOf(item.component);
    if (!show) return;
    blocks.push({ start, end, show, subject: subjectOf(item.component) });
  };
  for (const [uid, group] of groups) {
    try {
      step(); // every event costs, recurring or not
      expandGroup(group, zone, maxSteps, o.to, add, step);
    } catch (err) {
      if (err instanceof CalendarTooComplexError) throw err;
      o.onSkip?.(uid, err as Error);
    }
  }
  blocks.sort((a, b) => a.start - b.start || a.end - b.end);
  return blocks.slice(0, maxBlocks);
}

type Add = (start: number, end: number, item: Event) => void;

function expandGroup(
  { master, exceptions }: { master?: Component; exceptions: Component[] },
  zone: string,
  maxSteps: number,
  to: number,
  add: Add,
  step: () => void,
) {
  {
    if (!master) {
      // Overrides whose master we do not have: each is an event of its own.
      for (const ex of exceptions) single(new ICAL.Event(ex), zone, add);
      return;
    }
    if (!master.hasProperty('dtstart')) return;
    const ev = new ICAL.Event(master, { strictExceptions: true });
    for (const ex of exceptions) {
      try {
        ev.relateException(ex);
      } catch {
        single(new ICAL.Event(ex), zone, add);
      }
    }
    if (!ev.isRecurring()) {
      single(ev, zone, add);
      return;
    }
    const fz = floatingZone(ev, zone);
    const it = ev.iterator();
    const seen = new Set<string>();
    for (let steps = 0; steps < maxSteps; steps++) {
      step();
      const next = it.next();
      if (!next) break;
      const d = ev.getOccurrenceDetails(next);
      seen.add(next.toString());
      if (toUtc(next, fz) >= to) {
        // Overrides may move a later occurrence into the window; the loop ends here for the rest.
        break;
      }
      add(toUtc(d.startDate, fz), toUtc(d.endDate, fz), d.item);
    }
    for (const [id, exEvent] of Object.entries(ev.exceptions)) {
      if (seen.has(id)) continue;
      const rid = exEvent.recurrenceId;
      if (rid && toUtc(rid, fz) >= to) single(exEvent, zone, add);
    }
  }
}

function single(ev: Event, zone: string, add: Add) {
  if (!ev.component.hasProperty('dtstart')) return;
  const fz = floatingZone(ev, zone);
  add(toUtc(ev.startDate, fz), toUtc(ev.endDate, fz), ev);
}

/** Parses and expands ICS texts in one go; the first malformed body throws CalendarFormatError. */
export function expandIcs(texts: string[], o: ExpandOptions & { maxBytes?: number }): CalendarBlock[] {
  return expandCalendars(
    texts.map((t) => parseIcs(t, o.maxBytes)),
    o,
  );
}
