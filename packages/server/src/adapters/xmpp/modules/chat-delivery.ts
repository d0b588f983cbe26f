// The core's 1:1 events rendered to the sessions bound on this node: new messages (RFC 6121
// §8.5.2.1: to every session of the recipient, or to the one resource a full JID named plus
// XEP-0280 carbons, wherever in the cluster that resource is), corrections, retractions, reactions,
// receipts and markers, chat states. Each event names one recipient member; a user with no session
// here costs nothing.
import type { EventOf } from '../../../core/events.js';
import type { MessageDetails } from '../../../core/messaging/model.js';
import { formatJid, parseJid } from '../../../lib/jid.js';
import { type C2sSession, ENDPOINT_KIND, type ModuleContext, type Stop } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { carbonsEnabled } from './carbons.js';
import { conversationInfo, type Origin } from './chat-memory.js';
import {
  type Addressing,
  carbon,
  chatMessage,
  chatState,
  correction,
  reactionsOf,
  receipt,
  retraction,
} from './chat-stanzas.js';
import { fileLinks } from './file-urls.js';

/** How far back a receipt looks for the recipient's newest message it covers. */
const RECEIPT_LOOKBACK = 20;

export class ChatDelivery {
  constructor(private readonly ctx: ModuleContext) {}

  start(): Stop {
    const bus = this.ctx.core.ctx.bus;
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

  /** The recipient's sessions here and the 1:1's members' addresses; undefined when there is nothing to do. */
  private async target(e: { tenantId: string; userId: string; conversationId: string }) {
    const sessions = this.ctx.sessions.ofUser(e.tenantId, e.userId);
    if (sessions.length === 0) return undefined;
    const info = await conversationInfo(this.ctx.core, e.tenantId, e.userId, e.conversationId);
    const me = info.addresses.get(e.userId);
    if (!info.direct || me === undefined) return undefined;
    const peer = [...info.addresses].find(([id]) => id !== e.userId);
    if (!peer) return undefined;
    return { sessions, me, peerId: peer[0], peer: peer[1] };
  }

  /**
   * A stanza about the user's own action (a message, an edit …) goes as a `sent` carbon to their
   * sessions that enabled carbons but the one that did it (addressed as that one addressed it);
   * anything else to every session. `render(to)` builds the stanza from whoever acted.
   */
  private deliver(
    t: { sessions: readonly C2sSession[]; me: string; peer: string },
    own: boolean,
    origin: Origin | undefined,
    render: (to: string) => XmlElement,
  ) {
    for (const s of t.sessions) {
      const to = formatJid(s.jid);
      if (!own) s.send(render(to));
      else if (s.id !== origin?.session && carbonsEnabled(s) && !origin?.private) {
        const sent = render(origin?.to ?? t.peer).withAttrs({ from: origin?.from ?? t.me });
        s.send(carbon('sent', sent, t.me, to));
      }
    }
  }

  private async created(e: EventOf<'message.created'>): Promise<void> {
    const t = await this.target(e);
    if (!t) return;
    const m = e.message;
    const origin = e.origin;
    const own = m.senderId === e.userId;
    const replyTo = await replyTarget(this.ctx, e, t.me, t.peer);
    const from = own ? t.me : (origin?.from ?? t.peer);
    const files = await fileLinks(this.ctx, m);
    const render = (to: string) => chatMessage(m, { from, to, by: t.me, replyTo, request: !own }, files);
    if (own) return this.deliver(t, true, origin, render);
    // A full JID names one resource: it gets the message, the others only carbons (RFC 6121 §8.5.3.2).
    const addressed = await this.addressed(e, t.sessions);
    for (const s of t.sessions) {
      const to = formatJid(s.jid);
      if (addressed === undefined || to === addressed) s.send(render(to));
      else if (carbonsEnabled(s) && !origin?.private) s.send(carbon('received', render(addressed), t.me, to));
    }
  }

  /**
   * The recipient's full JID a new message named, when that resource is bound here or on another
   * node (the cluster's endpoints); else undefined: every session gets it (RFC 6121 §8.5.3.2.1).
   */
  private async addressed(e: EventOf<'message.created'>, sessions: readonly C2sSession[]) {
    const to = parseJid(e.origin?.to ?? '');
    if (!to?.resource) return undefined;
    const here = sessions.find((s) => s.jid.resource === to.resource);
    if (here) return formatJid(here.jid);
    const address = formatJid(to);
    const elsewhere = await this.ctx.core.endpoints.elsewhere(e.tenantId, e.userId, ENDPOINT_KIND).catch(() => []);
    return elsewhere.some((ep) => ep.address === address) ? address : undefined;
  }

  private async updated(e: EventOf<'message.updated'>): Promise<void> {
    const t = await this.target(e);
    if (!t) return;
    const m = e.message;
    const actor = e.by === e.userId ? t.me : t.peer;
    const render = (to: string) => {
      const a: Addressing = { from: actor, to };
      if (e.change === 'edited') return correction(m, a);
      if (e.change === 'deleted') return retraction(m, a);
      return reactionsOf(m, e.by, a);
    };
    const own = e.by === e.userId;
    this.deliver(t, own, e.origin, render);
  }

  /**
   * Another member's receipt moved: a XEP-0333 `displayed` (and XEP-0184 receipt) for the
   * recipient's newest message it covers. The user's own read receipt goes to their sessions with
   * carbons as a `sent` marker for the peer's newest message it covers (other devices clear it).
   */
  private async receipt(e: EventOf<'message.receipt'>): Promise<void> {
    const t = await this.target(e);
    if (!t) return;
    const own = e.memberId === e.userId;
    const newest = (seq: number) => newestOf(this.ctx, e, own ? t.peerId : e.userId, seq);
    const read = e.readSeq > 0 ? await newest(e.readSeq) : undefined;
    if (own) {
      if (read) this.deliver(t, true, undefined, (to) => receipt('read', read.clientId, { from: t.me, to }));
      return;
    }
    const delivered = e.deliveredSeq > e.readSeq ? await newest(e.deliveredSeq) : undefined;
    for (const s of t.sessions) {
      const a = { from: t.peer, to: formatJid(s.jid) };
      if (read) s.send(receipt('read', read.clientId, a));
      if (delivered && delivered.seq > (read?.seq ?? 0)) s.send(receipt('delivered', delivered.clientId, a));
    }
  }

  private async typing(e: EventOf<'message.typing'>): Promise<void> {
    if (e.memberId === e.userId) return;
    const t = await this.target(e);
    if (!t) return;
    for (const s of t.sessions) s.send(chatState(e.typing, { from: t.peer, to: formatJid(s.jid) }));
  }
}

/** The id and sender the recipient of `e` knows the replied-to message by (its client key). */
export async function replyTarget(ctx: ModuleContext, e: EventOf<'message.created'>, me: string, peer: string) {
  if (e.message.replyTo === null) return undefined;
  const target = await ctx.core.messaging
    .find({ tenantId: e.tenantId, userId: e.userId }, e.conversationId, e.message.replyTo, [])
    .catch(() => undefined);
  return target && { id: target.clientId, to: target.senderId === e.userId ? me : peer };
}

/** The newest message of `author` up to `seq` (what a receipt at `seq` covers of theirs), as `e.userId` sees it. */
export async function newestOf(
  ctx: ModuleContext,
  e: { tenantId: string; userId: string; conversationId: string },
  author: string,
  seq: number,
): Promise<MessageDetails | undefined> {
  const page = await ctx.core.messaging.history({ tenantId: e.tenantId, userId: e.userId }, e.conversationId, {
    before: seq + 1,
    limit: RECEIPT_LOOKBACK,
  });
  return page.messages.find((m) => m.senderId === author);
}
