import { z } from 'zod';
import { Address } from './schemas.js';
import { SafeLine, safeText } from './text.js';

// Presence: DESIGN §6. These value sets are the only definition; the server's core uses them too.
export const Availability = z.enum(['available', 'away', 'busy', 'dnd', 'offline']);
export const PresenceFlag = z.enum([
  'ringing',
  'on-call',
  'conference',
  'meeting',
  'out-of-office',
  'idle',
  'mobile',
  'note',
  'forwarded',
]);
export const PresenceContext = z.enum(['office', 'home-office', 'business-trip', 'vacation', 'break']);
export const LineState = z.enum(['idle', 'ringing', 'dialing', 'connected', 'held', 'dnd', 'forwarded']);

const When = z.iso.datetime({ offset: true });

export const Appointment = z.object({
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  /** Only for members of the same team (and the user themself). */
  subject: z.string().nullable(),
});

/** One user's presence as the caller may see it; fields the caller may not see are null/empty. */
export const PresenceInfo = z
  .object({
    user: z.string(),
    availability: Availability,
    flags: z.array(PresenceFlag),
    context: PresenceContext.nullable(),
    note: z.string().nullable(),
    until: z.iso.datetime().nullable(),
    since: z.iso.datetime().nullable(),
    nextAppointment: Appointment.nullable(),
    /** Rendered in the caller's language (Accept-Language: en, de) and time zone (`tz`). */
    text: z.string(),
  })
  .meta({ id: 'Presence' });
export type PresenceInfo = z.infer<typeof PresenceInfo>;

export const PresenceList = z.object({ presence: z.array(PresenceInfo) });

/** The presence in `presence.changed` events: as the watcher may see it, without the rendered text. */
export const PresenceState = PresenceInfo.omit({ user: true, text: true }).meta({ id: 'PresenceState' });
export type PresenceState = z.infer<typeof PresenceState>;

/** An IANA time zone name such as Europe/Berlin. */
export const TimeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin');

export const PresenceQuery = z.strictObject({
  users: z
    .string()
    .max(64_000)
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a.length > 0),
    )
    .pipe(z.array(Address).min(1).max(200)),
  tz: TimeZone.default('UTC'),
});

export const MyPresenceQuery = z.strictObject({ tz: TimeZone.default('UTC') });

export const SetPresenceRequest = z.strictObject({
  availability: Availability.nullish(),
  note: z.string().max(500).check(safeText('line')).nullish(),
  until: When.nullish(),
  context: PresenceContext.nullish(),
  validFrom: When.nullish(),
  validTo: When.nullish(),
});

export const ManualPresence = z.object({
  availability: Availability.nullable(),
  note: z.string().nullable(),
  context: PresenceContext.nullable(),
  until: z.iso.datetime().nullable(),
  validFrom: z.iso.datetime().nullable(),
  validTo: z.iso.datetime().nullable(),
  setAt: z.iso.datetime(),
});

/** The caller's own presence, with their manual input and the state of their calendar input. */
export const MyPresence = z.object({
  presence: PresenceInfo,
  manual: ManualPresence.nullable(),
  calendar: z.object({ stale: z.boolean(), fetchedAt: z.iso.datetime() }).nullable(),
});

export const ActivityRequest = z.strictObject({ idle: z.boolean() });

const LineName = z.string().min(1).max(100);
export const PhoneStateRequest = z.strictObject({ user: Address, line: LineName, state: LineState });
export const PhoneLineQuery = z.strictObject({ user: Address, line: LineName });

export const Team = z
  .object({ id: z.string(), name: z.string(), members: z.array(z.string()).describe('addresses') })
  .meta({ id: 'Team' });
export const TeamList = z.object({ teams: z.array(Team) });
export const CreateTeamRequest = z.strictObject({
  name: SafeLine(100),
  members: z.array(Address).max(1000).optional(),
});
export const TeamMemberRequest = z.strictObject({ user: Address });
export const TeamParams = z.strictObject({ id: z.string().min(1).max(100) });
export const TeamMemberParams = z.strictObject({ id: z.string().min(1).max(100), user: Address });
export const WatcherParams = z.strictObject({ user: Address });
export const BlockList = z.object({ blocked: z.array(z.string()) });
