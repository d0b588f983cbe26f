import { z } from 'zod';
import { CallDevice } from './calls.js';
import { Id } from './schemas.js';

/** A pending call-back: your line rings when `to` is free again, then `to` is called. */
export const CallBack = z
  .object({
    id: Id,
    from: z.string().describe('Your line that rings first (its extension)'),
    to: z.string().describe('The line called back (its extension)'),
    toUser: z.string().nullable().describe("The target line's owner (local@domain); null if gone"),
    toName: z.string().nullable().describe("The target line's owner's display name"),
    mode: z
      .enum(['busy', 'noAnswer'])
      .describe("busy: served when the target's calls end; noAnswer: when it has used its phone again and that ended"),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().describe('Not served by then, it expires'),
  })
  .meta({ id: 'CallBack' });
export type CallBack = z.infer<typeof CallBack>;

/** What happened to a call-back (the `callback.changed` event). */
export const CallBackStatus = z.enum(['requested', 'ringing', 'done', 'expired', 'cancelled']);
export type CallBackStatus = z.infer<typeof CallBackStatus>;

export const CallBackList = z.object({ callBacks: z.array(CallBack).describe('Oldest first') });

export const CallBackRequest = z.strictObject({
  to: z.string().min(1).max(318).describe('The line to call back: a number (extension, DID) or an address'),
  from: CallDevice.optional().describe('Your line that rings first; default: your first line'),
});

export const CallBackParams = z.strictObject({ id: Id });
