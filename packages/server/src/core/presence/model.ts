import {
  Availability as AvailabilitySchema,
  LineState as LineStateSchema,
  PresenceContext as PresenceContextSchema,
  PresenceFlag as PresenceFlagSchema,
} from '@parley/api';

// The presence model of DESIGN §6: inputs from several sources, aggregated by one pure function.

// The value sets are the API's (one definition in @parley/api), used here as plain arrays.
export const availabilities = AvailabilitySchema.options;
export type Availability = (typeof availabilities)[number];

export const presenceFlags = PresenceFlagSchema.options;
export type PresenceFlag = (typeof presenceFlags)[number];

export const presenceContexts = PresenceContextSchema.options;
export type PresenceContext = (typeof presenceContexts)[number];

/** The longest note a user or a device may set. */
export const NOTE_MAX = 500;

export const lineStates = LineStateSchema.options;
export type LineState = (typeof lineStates)[number];

/** One busy/free block of a calendar, already expanded (recurrences) and in UTC milliseconds. */
export interface CalendarBlock {
  start: number;
  end: number;
  /** From the event's TRANSP/STATUS and, for Exchange-style calendars, X-MICROSOFT-CDO-BUSYSTATUS. */
  show: 'busy' | 'tentative' | 'free' | 'out-of-office';
  subject: string | null;
}

/** What the calendar source delivers for one user. */
export interface CalendarSnapshot {
  blocks: CalendarBlock[];
  fetchedAt: number;
  /** The last poll failed; `blocks` are from the last good poll. */
  stale: boolean;
}

/** Where presence inputs from calendars arrive (implemented by the presence service). */
export interface CalendarSink {
  setCalendar(tenantId: string, userId: string, snapshot: CalendarSnapshot): Promise<void>;
}

/** What presence shows of a user's call settings (`core/forwarding`). */
export interface CallSettingsShown {
  dnd: boolean;
  /** Immediate forwarding is on. */
  forwarded: boolean;
}

/** Where the call settings service tells presence what it shows (implemented by the presence service). */
export interface CallSettingsSink {
  setCallSettings(tenantId: string, userId: string, shown: CallSettingsShown): Promise<void>;
}

/** A named group of a tenant's users, set up by tenant admins: members see everything of each other's presence, appointment subjects too. */
export interface Team {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
  /** User ids. */
  members: string[];
}
