// What a client's message asks of a conversation of the core, for 1:1s (chat.ts) and rooms
// (muc.ts) alike: a XEP-0308 correction, a XEP-0424 retraction, XEP-0444 reactions, else a new
// message (with its XEP-0461 reply).
import { randomUUID } from 'node:crypto';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { MessageDetails, MessageOrigin } from '../../../core/messaging/model.js';
import type { MessagingService } from '../../../core/messaging/service.js';
import { StanzaError } from '../errors.js';
import { changeKey } from './chat-memory.js';
import { type ChatInput, MAX_REACTIONS } from './chat-stanzas.js';

export interface ApplyOptions {
  /** Whose client keys may name a message reacted or replied to (the core's ids always do). */
  senders: string[];
  /** Told the memory key of a change before the core is asked (to address its echoes). */
  remember?: (key: string) => void;
  /** Where a new message comes from and goes to, for the core's event (to address its copies). */
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
  const remember = (key: string) => o.remember?.(key);
  if (input.replace !== undefined) {
    // Any of the sender's messages may be corrected (the core allows it), not only the last.
    const m = await mine(input.replace);
    remember(changeKey(caller.tenantId, caller.userId, m.id));
    await messaging.edit(caller, conversationId, m.id, input.body ?? '');
  } else if (input.retract !== undefined) {
    const m = await mine(input.retract);
    remember(changeKey(caller.tenantId, caller.userId, m.id));
    await messaging.remove(caller, conversationId, m.id);
  } else if (input.reactions !== undefined) {
    const m = await any(input.reactions.id);
    remember(changeKey(caller.tenantId, caller.userId, m.id));
    await react(messaging, caller, conversationId, m, input.reactions.emojis);
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
): Promise<void> {
  if (wanted.length > MAX_REACTIONS) throw new StanzaError('not-acceptable', `at most ${MAX_REACTIONS} reactions`);
  const had = m.reactions.filter((g) => g.userIds.includes(caller.userId)).map((g) => g.emoji);
  for (const emoji of had.filter((e) => !wanted.includes(e)))
    await messaging.react(caller, conversationId, m.id, emoji, false);
  for (const emoji of wanted.filter((e) => !had.includes(e)))
    await messaging.react(caller, conversationId, m.id, emoji, true);
}
