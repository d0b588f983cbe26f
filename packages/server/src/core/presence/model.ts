// The presence model of DESIGN §6: inputs from several sources, aggregated by one pure function.

export const availabilities = ['available', 'away', 'busy', 'dnd', 'offline'] as const;
export type Availability = (typeof availabilities)[number];

export const presenceFlags = [
  'ringing',
  'on-call',
  'conference',
  'meeting',
  'out-of-office',
  'idle',
  'mobile',
  'note',
] as const;
export type PresenceFlag = (typeof presenceFlags)[number];

export const presenceContexts = ['office', 'home-office', 'business-trip', 'vacation', 'break'] as const;
export type PresenceContext = (typeof presenceContexts)[number];

export const lineStates = ['idle', 'ringing', 'dialing', 'connected', 'held', 'dnd', 'forwarded'] as const;
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
