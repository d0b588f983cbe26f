// What a user here does in a 1:1 with a user of another server (the core's external 1:1s, from
// the web app or any XMPP session), rendered to that server over s2s: new messages, corrections,
// retractions, reactions, receipts and markers, chat states. The core publishes them to the user
// (as in any 1:1); every node sees them, and the one holding the `xmpp-federated-chat` lease sends
// each once. The user's own sessions get their carbons from `chat-delivery.ts`.
import type { EventOf } from '../../../core/events.js';
import type { ModuleContext, Stop } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { newestOf, replyTarget } from './chat-delivery.js';
import { conversationInfo } from './chat-memory.js';
import { chatMessage, chatState, correction, reactionsOf, receipt, retraction } from './chat-stanzas.js';
import { fileLinks } from './file-urls.js';

/** The node that sends what users here do in their 1:1s with users of other servers. */
const LEASE = 'xmpp-federated-chat';

export class FederatedChat {
  constructor(private readonly ctx: ModuleContext) {}

  start(): Stop {
    const { bus, cluster } = this.ctx.core.ctx;
    cluster.want(LEASE);
    const offs = [
      bus.subscribe('message.created', (e) => this.created(e)),
      bus.subscribe('message.updated', (e) => this.updated(e)),
      bus.subscribe('message.receipt', (e) => this.receipt(e)),
      bus.subscribe('message.typing', (e) => this.typing(e)),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /**
   * The user's address and the party's JID when `actor` is the user, the conversation is a 1:1
   * with a user of another server and this node sends for it; undefined otherwise.
   */
  private async party(e: { tenantId: string; userId: string; conversationId: string }, actor: string) {
    if (actor !== e.userId || !this.ctx.core.ctx.cluster.holds(LEASE)) return undefined;
    const info = await conversationInfo(this.ctx.core, e.tenantId, e.userId, e.conversationId);
    const me = info.addresses.get(e.userId);
    return info.external === null || me === undefined ? undefined : { me, jid: info.external };
  }

  private send(stanza: XmlElement) {
    this.ctx.route(stanza);
  }

  private async created(e: EventOf<'message.created'>): Promise<void> {
    const m = e.message;
    const p = await this.party(e, m.senderId);
    if (!p) return;
    // Sent from an XMPP session: from its full JID, to the JID it addressed.
    const from = e.origin?.from ?? p.me;
    const to = e.origin?.to ?? p.jid;
    const replyTo = await replyTarget(this.ctx, e, p.me, p.jid);
    this.send(chatMessage(m, { from, to, by: p.me, replyTo, request: true }, await fileLinks(this.ctx, m)));
  }

  private async updated(e: EventOf<'message.updated'>): Promise<void> {
    const p = await this.party(e, e.by);
    if (!p) return;
    // Made in an XMPP session: from its full JID, to the JID it addressed (as a new message).
    const a = { from: e.origin?.from ?? p.me, to: e.origin?.to ?? p.jid };
    if (e.change === 'edited') this.send(correction(e.message, a));
    else if (e.change === 'deleted') this.send(retraction(e.message, a));
    else this.send(reactionsOf(e.message, e.by, a));
  }

  /** The user's receipt moved: a marker for the party's newest message it covers. */
  private async receipt(e: EventOf<'message.receipt'>): Promise<void> {
    const p = await this.party(e, e.memberId);
    if (!p) return;
    const a = { from: p.me, to: p.jid };
    const read = e.readSeq > 0 ? await newestOf(this.ctx, e, p.jid, e.readSeq) : undefined;
    const delivered = e.deliveredSeq > e.readSeq ? await newestOf(this.ctx, e, p.jid, e.deliveredSeq) : undefined;
    if (read) this.send(receipt('read', read.clientId, a));
    if (delivered && delivered.seq > (read?.seq ?? 0)) this.send(receipt('delivered', delivered.clientId, a));
  }

  private async typing(e: EventOf<'message.typing'>): Promise<void> {
    const p = await this.party(e, e.memberId);
    if (p) this.send(chatState(e.typing, { from: p.me, to: p.jid }));
  }
}
