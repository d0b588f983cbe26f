// A 1:1 message from a user of another server to a user here (RFC 6121 §8.5.2) is the core's
// 1:1 with that party (`core/messaging/external.ts`): a new message, a XEP-0308 correction, a
// XEP-0424 retraction, XEP-0444 reactions, a XEP-0461 reply, XEP-0184/0333 receipts and XEP-0085
// chat states go to the core, which keeps what it keeps (also for a user with no XMPP session)
// and tells the user's clients (`chat-delivery.ts` renders it to their sessions on every node).
import { randomUUID } from 'node:crypto';
import { ParleyError } from '../../../core/errors.js';
import type { ExternalParty } from '../../../core/messaging/external.js';
import { bareJid, formatJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { Inbound, ModuleContext } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { type ChatInput, MAX_REACTIONS, parseChat } from './chat-stanzas.js';
import { localUser } from './local.js';

/** Payloads the core cannot keep: invitations (XEP-0249, XEP-0045 §7.8.2) and end-to-end encryption. */
const PASS_THROUGH = new Set([
  'jabber:x:conference',
  'http://jabber.org/protocol/muc#user',
  'eu.siacs.conversations.axolotl',
  'urn:xmpp:omemo:2',
  'urn:xmpp:openpgp:0',
  'jabber:x:encrypted',
]);

/** Whether a message carries what the core cannot keep: it passes through as a stanza. */
export const passesThrough = (message: XmlElement): boolean =>
  message.elements().some((c) => PASS_THROUGH.has(c.xmlns ?? ''));

/** A receipt for a message the core does not have in that 1:1 (e.g. from before) is dropped. */
const unlessNotFound = (err: unknown) => {
  if (!(err instanceof ParleyError && err.code === 'PARLEY_ERR_NOT_FOUND')) throw err;
};

/** Whether a message asks anything of the core. */
export const meaningful = (i: ChatInput): boolean =>
  (i.body !== undefined && i.body.trim() !== '') ||
  [i.replace, i.retract, i.reactions, i.received, i.displayed, i.chatState].some((v) => v !== undefined);

/**
 * A message from a user of another server to a user here, given to the core; false when it is
 * not one the core keeps (from a server itself, to no user here, nothing the core keeps), so it
 * passes through.
 */
export async function receiveExternal(ctx: ModuleContext, inbound: Inbound): Promise<boolean> {
  const { stanza, from, to } = inbound;
  if (from.local === null || !to || passesThrough(stanza)) return false;
  const input = parseChat(stanza);
  const user = meaningful(input) ? await localUser(ctx.core, to) : undefined;
  if (!user) return false;
  const external = ctx.core.messaging.external;
  const p: ExternalParty = { to: { tenantId: user.tenantId, userId: user.id }, from: bareJid(from) };
  // A reaction to a message the core does not have (e.g. from before) is dropped.
  const find = (ref: string) => external.find(p, ref).catch(() => undefined);
  if (input.replace !== undefined) await external.edit(p, input.replace, input.body ?? '');
  else if (input.retract !== undefined) await external.remove(p, input.retract);
  else if (input.reactions !== undefined) {
    if (input.reactions.emojis.length > MAX_REACTIONS) {
      throw new StanzaError('not-acceptable', `at most ${MAX_REACTIONS} reactions`);
    }
    const m = await find(input.reactions.id);
    if (m) await external.react(p, m, input.reactions.emojis);
  } else if (input.body !== undefined && input.body.trim() !== '') {
    const clientId = input.clientId ?? randomUUID();
    // The user's sessions get it from the sender's full JID, to the resource it named.
    const origin = { from: formatJid(from), to: formatJid(to), private: input.noCarbons };
    const replyTo = input.replyTo === undefined ? undefined : (await find(input.replyTo))?.id;
    await external.receive(p, { text: input.body, clientId, replyTo, origin });
  }
  if (input.received !== undefined) await external.receipt(p, input.received, false).catch(unlessNotFound);
  if (input.displayed !== undefined) await external.receipt(p, input.displayed, true).catch(unlessNotFound);
  if (input.chatState !== undefined && input.body === undefined) {
    await external.typing(p, input.chatState === 'composing');
  }
  return true;
}
