import { z } from 'zod';
import { Id } from './schemas.js';
import { SafeText } from './text.js';

// The call journal (issue 14): one entry per user and call, newest first.

export const JournalDirection = z
  .enum(['inbound', 'outbound', 'internal'])
  .describe('`internal`: the other end is a colleague (a user of the same tenant)');
export const JournalResult = z
  .enum(['answered', 'missed', 'busy', 'forwarded', 'transferred', 'failed', 'cancelled'])
  .describe(
    '`missed`: a call for the user nobody took; `forwarded`: the user’s forwarding (or deflection) sent it on; `transferred`: the user handed it on; `failed`/`cancelled`: an outbound call that could not be made or that the user gave up',
  );

/** The longest memo, in characters. */
export const MAX_JOURNAL_MEMO = 2000;

export const JournalEntry = z
  .object({
    id: Id,
    callId: z.string(),
    direction: JournalDirection,
    line: z.string().nullable().describe("The user's own line number in the call, e.g. 201"),
    remote: z
      .object({
        number: z.string().nullable().describe('The number as signalled (E.164 or as dialled)'),
        uri: z.string().nullable(),
        userId: z.string().nullable().describe('Set when the other end is a colleague'),
        display: z.string().nullable().describe('The name its signalling sent'),
        name: z.string().nullable().describe("From the directory; a colleague's display name"),
        company: z.string().nullable(),
        match: z
          .string()
          .nullable()
          .describe('How the directory matched: `exact`, `company`, `prefix`; `user` for a colleague'),
      })
      .describe('The other end of the call'),
    startedAt: z.iso.datetime().describe('When the call started ringing or was placed'),
    answeredAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime(),
    duration: z.number().int().describe('Seconds talked'),
    result: JournalResult,
    by: z.string().nullable().describe('Who forwarded or transferred the call'),
    memo: z.string().nullable(),
    read: z.boolean(),
  })
  .meta({ id: 'JournalEntry' });
export type JournalEntry = z.infer<typeof JournalEntry>;

/** A position in the journal; opaque to clients. */
const JournalCursor = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from an earlier answer');

/** The filters of the list and of the CSV export. */
export const JournalFilterQuery = z.strictObject({
  direction: JournalDirection.optional(),
  result: JournalResult.optional(),
  unread: z.stringbool().optional().describe('`true`: only unread entries; `false`: only read ones'),
  from: z.iso.datetime({ offset: true }).optional().describe('Calls started at or after'),
  to: z.iso.datetime({ offset: true }).optional().describe('Calls started before'),
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe('Each word found in a name, number, company, `by` or memo (case and accents ignored)'),
});

export const JournalQuery = JournalFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: JournalCursor.optional().describe('The `cursor` of the previous page'),
});

export const JournalList = z.object({
  entries: z.array(JournalEntry).describe('Newest first'),
  cursor: JournalCursor.nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  unreadMissed: z.number().int().describe('Missed calls not yet read (all of them, whatever the filters)'),
});

export const JournalUnread = z.object({ unreadMissed: z.number().int() });

export const JournalParams = z.strictObject({ id: Id });

export const UpdateJournalRequest = z
  .strictObject({
    memo: SafeText.max(MAX_JOURNAL_MEMO).nullable().optional().describe('The user’s note; null or empty removes it'),
    read: z.boolean().optional(),
  })
  .refine((b) => b.memo !== undefined || b.read !== undefined, 'give memo or read');

/**
 * The CSV export is a file, not JSON, so it is outside the route table: `GET journalCsvPath` with
 * the filters of `JournalFilterQuery` → `text/csv` (UTF-8, a header row, RFC 4180 quoting), newest
 * first.
 */
export const journalCsvPath = '/api/v1/journal.csv';
