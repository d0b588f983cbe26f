import { z } from 'zod';

const CalendarUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .describe('Calendar address');

/** Connect a CalDAV calendar collection or an ICS (webcal over HTTP) URL; replaces any earlier one. */
export const PutCalendarRequest = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('caldav'),
    url: CalendarUrl,
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(1024).describe('Stored encrypted; never returned'),
  }),
  z.strictObject({ type: z.literal('ics'), url: CalendarUrl }),
]);
export type PutCalendarRequest = z.infer<typeof PutCalendarRequest>;

/** A calendar connection as the API shows it: no password. */
export const Calendar = z.object({
  type: z.enum(['caldav', 'ics']),
  url: z.string(),
  username: z.string().nullable(),
  lastSyncAt: z.iso.datetime().nullable().describe('Last successful poll'),
  lastAttemptAt: z.iso.datetime().nullable(),
  stale: z.boolean().describe('The last poll failed; presence uses the last good data'),
  lastError: z.string().nullable().describe('Why the last poll failed (unreachable, malformed, too complex …)'),
  nextAttemptAt: z.iso
    .datetime()
    .nullable()
    .describe('When the calendar is polled next (null: at once); each failed poll in a row doubles the wait'),
});
export type Calendar = z.infer<typeof Calendar>;
