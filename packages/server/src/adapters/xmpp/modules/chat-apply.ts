// What a client's message asks of a conversation of the core, for 1:1s (chat.ts) and rooms
// (muc.ts) alike: a XEP-0308 correction, a XEP-0424 retraction, XEP-0444 reactions, else a new
// message (with its XEP-0461 reply).
import { randomUUID } from 'node:crypto';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { MessageDetails, MessageOrigin } from '../../../core/messaging/model.js';
import type { MessagingService } from '../../../core/messaging/service.js';
import { StanzaError } from '../errors.js';
import { type ChatInput, MAX_REACTIONS } from './chat-stanzas.js';

export interface ApplyOptions {
  /** Whose client keys may name a message reacted or replied to (the core's ids always do). */
  senders: string[];
  /** Where a new message or change comes from and goes to, for the core's event (to address its copies). */
  origin?: MessageOrigin;
  /**
   * The sender's own unsent upload (XEP-0363) a new message links to, by its XEP-0066 URL or
   * its body: sent as the message's attachment, with `text` the body without the link.
   */
  attach?: (body: string, oob: string | undefined) => Promise<{ id: string; text: string } | undefined>;
}

/** Applies the change or new message `input` carries; returns whether there was one. */
export async function applyContent(
  messaging: MessagingService,
  caller: Caller,
  conversationId: string,
  input: ChatInput,
  o: ApplyOptions,
): Promise<boolean> {
  const mine = (ref: string) => messaging.find(caller, conversationId, ref, [caller.userId]);
  const any = (ref: string) => messaging.find(caller, conversationId, ref, o.senders);
  if (input.replace !== undefined) {
    // Any of the sender's messages may be corrected (the core allows it), not only the last.
    const m = await mine(input.replace);
    await messaging.edit(caller, conversationId, m.id, input.body ?? '', undefined, o.origin);
  } else if (input.retract !== undefined) {
    const m = await mine(input.retract);
    await messaging.remove(caller, conversationId, m.id, undefined, o.origin);
  } else if (input.reactions !== undefined) {
    const m = await any(input.reactions.id);
    await react(messaging, caller, conversationId, m, input.reactions.emojis, o.origin);
  } else if (input.body !== undefined && input.body.trim() !== '') {
    const clientId = input.clientId ?? randomUUID();
    const replyTo = input.replyTo === undefined ? undefined : (await any(input.replyTo)).id;
    const file = await o.attach?.(input.body, input.oob);
    await messaging.send(caller, conversationId, {
      text: file?.text ?? input.body,
      clientId,
      replyTo,
      attachments: file && [file.id],
      origin: o.origin,
    });
  } else {
    return false;
  }
  return true;
}

/** XEP-0444: the sender's reactions become exactly the set given. */
async function react(
  messaging: MessagingService,
  caller: Caller,
  conversationId: string,
  m: MessageDetails,
  wanted: string[],
  origin: MessageOrigin | undefined,
): Promise<void> {
  if (wanted.length > MAX_REACTIONS) throw new StanzaError('not-acceptable', `at most ${MAX_REACTIONS} reactions`);
  const had = m.reactions.filter((g) => g.userIds.includes(caller.userId)).map((g) => g.emoji);
  for (const emoji of had.filter((e) => !wanted.includes(e)))
    await messaging.react(caller, conversationId, m.id, emoji, false, undefined, origin);
  for (const emoji of wanted.filter((e) => !had.includes(e)))
    await messaging.react(caller, conversationId, m.id, emoji, true, undefined, origin);
}
