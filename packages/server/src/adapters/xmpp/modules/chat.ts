// 1:1 chat (RFC 6121 §5) over the core's direct conversations: what a local client's
// `<message type=chat|normal/>` to a user of its tenant asks (a message, a XEP-0308 correction,
// a XEP-0424 retraction, XEP-0444 reactions, a XEP-0461 reply, XEP-0184/0333 receipts, XEP-0085
// chat states, a file uploaded over XEP-0363) goes to the core, which tells every member
// (`chat-delivery.ts` renders it back). With a user of another server it is the core's 1:1 with
// that party (`chat-external.ts` takes theirs in, `chat-federated.ts` sends the user's out).
// Messages to or from users of another tenant, and what the core does not keep (invitations,
// encrypted payloads), pass through (`chat-elsewhere.ts`).
import type { Caller } from '../../../core/messaging/conversations.js';
import { bareJid, formatJid, type Jid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { C2sSession, Inbound, ModuleContext, XmppModule } from '../module.js';
import { applyContent } from './chat-apply.js';
import { ChatDelivery } from './chat-delivery.js';
import { receiveFromElsewhere, sendElsewhere } from './chat-elsewhere.js';
import { meaningful, passesThrough, receiveExternal } from './chat-external.js';
import { FederatedChat } from './chat-federated.js';
import type { Origin } from './chat-memory.js';
import { type ChatInput, NS, parseChat } from './chat-stanzas.js';
import { ownUpload } from './file-urls.js';

/** What a message stanza is about once its addressee is known: the caller and the 1:1. */
interface Chat {
  caller: Caller;
  peerId: string;
  conversationId: string;
  session: C2sSession;
  from: Jid;
  to: Jid;
}

const CHAT_TYPES = new Set(['chat', 'normal']);

export class ChatModule implements XmppModule {
  readonly name = 'chat';
  readonly features = [NS.receipts, NS.markers, NS.chatStates, NS.correct, NS.retract, NS.reactions, NS.reply];
  /** XEP-0359: the user's account (its archive) stamps stanza-ids. */
  readonly accountFeatures = [NS.sid];
  private ctx: ModuleContext | undefined;

  start(ctx: ModuleContext) {
    this.ctx = ctx;
    const stops = [new ChatDelivery(ctx).start(), new FederatedChat(ctx).start()];
    return () => {
      for (const stop of stops) stop?.();
    };
  }

  async handle(inbound: Inbound): Promise<boolean> {
    const { stanza, session, to } = inbound;
    if (stanza.name !== 'message' || !CHAT_TYPES.has(stanza.attrs.type ?? 'normal')) return false;
    const ctx = this.started();
    // From a federated server: the core's 1:1 with the sender, else passed on to the user's sessions.
    if (!session) return (await receiveExternal(ctx, inbound)) || receiveFromElsewhere(ctx, inbound);
    // No `to` or the sender's own account: not a 1:1.
    if (!to || to.local === null || (to.local === session.jid.local && to.domain === session.jid.domain)) {
      return false;
    }
    const tenant = await ctx.core.tenants.byDomain(to.domain).catch(() => undefined);
    const input = parseChat(stanza);
    const keeps = meaningful(input) && !passesThrough(stanza);
    if (tenant?.id !== session.tenantId) {
      const caller = { tenantId: session.tenantId, userId: session.user.id };
      const jid =
        keeps && !tenant ? await ctx.core.messaging.external.address(caller.tenantId, bareJid(to)) : undefined;
      if (jid !== undefined) {
        const conversationId = await ctx.core.messaging.conversations.external(caller, jid);
        await this.apply({ caller, peerId: jid, conversationId, session, from: inbound.from, to }, input);
        return true;
      }
      // Another tenant, or what the core does not keep: the router takes it there, carbons to the other sessions.
      sendElsewhere(ctx, session, inbound);
      return true;
    }
    // Nothing the core keeps (e.g. a XEP-0249 invitation): the router delivers it as it is.
    if (!keeps) return false;
    const peer = await ctx.core.users.byAddress(bareJid(to));
    // RFC 6121 §8.5.2.2.1 … §8.5.2.1: a message to an account that does not exist.
    if (!peer || peer.tenantId !== session.tenantId || peer.disabledAt !== null) {
      throw new StanzaError('service-unavailable');
    }
    const caller = { tenantId: session.tenantId, userId: session.user.id };
    const conversationId = await ctx.core.messaging.conversations.direct(caller, peer.id);
    const chat = { caller, peerId: peer.id, conversationId, session, from: inbound.from, to };
    await this.apply(chat, input);
    return true;
  }

  private started(): ModuleContext {
    if (!this.ctx) throw new Error('chat module not started');
    return this.ctx;
  }

  /** The parts of a message in the order a client means them: a change, else a new message; then receipts and states. */
  private async apply(chat: Chat, input: ChatInput): Promise<void> {
    const messaging = this.started().core.messaging;
    const { caller, conversationId } = chat;
    const theirs = (ref: string) => messaging.find(caller, conversationId, ref, [chat.peerId]);
    await applyContent(messaging, caller, conversationId, input, {
      senders: [chat.peerId, caller.userId],
      origin: originOf(chat, input),
      attach: (body, oob) => ownUpload(this.started(), caller, body, oob),
    });
    if (input.received !== undefined) {
      const m = await theirs(input.received);
      await messaging.receipt(caller, conversationId, { deliveredSeq: m.seq });
    }
    if (input.displayed !== undefined) {
      const m = await theirs(input.displayed);
      await messaging.receipt(caller, conversationId, { deliveredSeq: m.seq, readSeq: m.seq });
    }
    // A message with a body ends typing on the web app's side by itself.
    if (input.chatState !== undefined && input.body === undefined) {
      await messaging.typing(caller, conversationId, input.chatState === 'composing');
    }
  }
}

/** The sending session and the addressee it wrote, for copies of what it does. */
const originOf = (chat: Chat, input: ChatInput): Origin => ({
  session: chat.session.id,
  from: formatJid(chat.from),
  to: formatJid(chat.to),
  private: input.noCarbons,
});
