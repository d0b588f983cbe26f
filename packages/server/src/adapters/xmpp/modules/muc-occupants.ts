// Who is joined to which room on this node, and the core's events rendered to them. An occupant
// is a full JID (a local session, or a federated user's resource: stanzas to JIDs without a
// session here go through ctx.route). Each user's view of a room follows the events addressed to
// that user (the core publishes once per member), so no event is rendered twice.

import type { EventOf } from '../../../core/events.js';
import type { ConversationDetails, MessageDetails } from '../../../core/messaging/model.js';
import { formatJid, type Jid } from '../../../lib/jid.js';
import type { Unsubscribe } from '../../../platform/bus/bus.js';
import type { ModuleContext } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { chatState, correction, reactionsOf, retraction } from './chat-stanzas.js';
import { fileLinks } from './file-urls.js';
import {
  configChanged,
  departure,
  groupchatMessage,
  memberNicks,
  moderation,
  type OccupantView,
  occupantId,
  occupantPresence,
  STATUS,
  subjectMessage,
} from './muc-render.js';

export interface Occupant {
  jid: Jid;
  /** The room's bare JID as the occupant joined it. */
  room: string;
  /** Stanzas held back while the join (presence, history, subject) is being sent; null once joined. */
  queue: XmlElement[] | null;
  /** Gives up what the cluster holds for it (a remote member's occupancy, muc-remote.ts). */
  release?: () => void;
}

/** One user's view of one room: the conversation as they last heard of it, and their occupants. */
export interface View {
  tenantId: string;
  userId: string;
  details: ConversationDetails;
  nicks: Map<string, string>;
  occupants: Occupant[];
}

const viewKey = (tenantId: string, userId: string, conversationId: string) => `${tenantId} ${userId} ${conversationId}`;
const userKey = (tenantId: string, userId: string) => `${tenantId} ${userId}`;

export class Occupants {
  private readonly views = new Map<string, View>();
  private readonly watching = new Map<string, Unsubscribe[]>();

  constructor(private readonly ctx: ModuleContext) {}

  /** Sends to an occupant: its session here, else wherever route() finds it. */
  deliver(to: Jid, stanza: XmlElement): void {
    const session = this.ctx.sessions.byJid(to);
    if (session) session.send(stanza);
    else this.ctx.route(stanza);
  }

  private send(o: Occupant, stanza: XmlElement): void {
    if (o.queue) o.queue.push(stanza);
    else this.deliver(o.jid, stanza);
  }

  view(tenantId: string, userId: string, conversationId: string): View | undefined {
    return this.views.get(viewKey(tenantId, userId, conversationId));
  }

  occupant(tenantId: string, userId: string, conversationId: string, jid: Jid): Occupant | undefined {
    const key = formatJid(jid);
    return this.view(tenantId, userId, conversationId)?.occupants.find((o) => formatJid(o.jid) === key);
  }

  nickOf(v: View, userId: string, fallback: string): string {
    return v.nicks.get(userId) ?? fallback;
  }

  occupantOf(v: View, userId: string): OccupantView | undefined {
    const m = v.details.members.find((x) => x.userId === userId);
    const id = occupantId(v.details.id, userId);
    return m && { nick: this.nickOf(v, userId, m.address), jid: m.address, affiliation: m.role, occupantId: id };
  }

  /** Subscribes to the user's events (once per user on this node), in effect when this resolves. */
  private async watch(tenantId: string, userId: string): Promise<void> {
    const key = userKey(tenantId, userId);
    if (this.watching.has(key)) return;
    const bus = this.ctx.core.ctx.bus;
    const only = { tenantId, userId };
    this.watching.set(key, [
      bus.subscribe('message.created', (e) => this.created(e.tenantId, e.userId, e.conversationId, e.message), only),
      bus.subscribe('message.updated', (e) => this.changed(e), only),
      bus.subscribe('message.typing', (e) => this.typing(e), only),
      bus.subscribe('conversation.updated', (e) => this.updated(e), only),
      bus.subscribe('conversation.removed', (e) => this.removed(e), only),
    ]);
    await bus.flush();
  }

  private unwatchIfIdle(tenantId: string, userId: string): void {
    const prefix = `${userKey(tenantId, userId)} `;
    if ([...this.views.keys()].some((k) => k.startsWith(prefix))) return;
    for (const u of this.watching.get(userKey(tenantId, userId)) ?? []) u();
    this.watching.delete(userKey(tenantId, userId));
  }

  /**
   * Adds an occupant (held back until `joined`); the user's events are subscribed first, so
   * nothing said while the join is sent is lost.
   */
  async add(tenantId: string, userId: string, details: ConversationDetails, jid: Jid, room: string): Promise<Occupant> {
    await this.watch(tenantId, userId);
    const key = viewKey(tenantId, userId, details.id);
    const v = this.views.get(key) ?? { tenantId, userId, details, nicks: memberNicks(details.members), occupants: [] };
    this.views.set(key, v);
    const o: Occupant = { jid, room, queue: [] };
    v.occupants.push(o);
    return o;
  }

  /** Ends the join: the stanzas held back go out, but messages the history already had. */
  joined(o: Occupant, sentIds: ReadonlySet<string>): void {
    const queue = o.queue ?? [];
    o.queue = null;
    for (const s of queue) {
      const id = s.child('stanza-id')?.attrs.id;
      if (id === undefined || !sentIds.has(id)) this.deliver(o.jid, s);
    }
  }

  /** Takes an occupant out (left, or its session ended). */
  remove(tenantId: string, userId: string, conversationId: string, jid: Jid): void {
    const key = viewKey(tenantId, userId, conversationId);
    const v = this.views.get(key);
    if (!v) return;
    const at = formatJid(jid);
    for (const o of v.occupants) if (formatJid(o.jid) === at) o.release?.();
    v.occupants = v.occupants.filter((o) => formatJid(o.jid) !== at);
    if (v.occupants.length === 0) this.views.delete(key);
    this.unwatchIfIdle(tenantId, userId);
  }

  /** Every room a full JID is joined to (for a session that ended). */
  roomsOf(jid: Jid): { tenantId: string; userId: string; conversationId: string }[] {
    const at = formatJid(jid);
    return [...this.views.values()]
      .filter((v) => v.occupants.some((o) => formatJid(o.jid) === at))
      .map((v) => ({ tenantId: v.tenantId, userId: v.userId, conversationId: v.details.id }));
  }

  private async created(tenantId: string, userId: string, conversationId: string, m: MessageDetails): Promise<void> {
    const v = this.view(tenantId, userId, conversationId);
    if (!v || v.occupants.length === 0) return;
    const nick = this.nickOf(v, m.senderId, m.sender);
    // Only a message with files waits for their links (the others go out in the event's own turn).
    const files = m.attachments.length > 0 ? await fileLinks(this.ctx, m) : [];
    for (const o of v.occupants) this.send(o, groupchatMessage(o.room, formatJid(o.jid), nick, m, { files }));
  }

  /**
   * XEP-0308 corrections, XEP-0424 retractions and XEP-0444 reactions, from the member who made
   * them; a message an owner or admin deleted for someone else is a XEP-0425 moderation.
   */
  private changed(e: EventOf<'message.updated'>): void {
    const v = this.view(e.tenantId, e.userId, e.conversationId);
    if (!v) return;
    const nick = this.nickOf(v, e.by, e.message.sender);
    const moderated = e.change === 'deleted' && e.by !== e.message.senderId;
    for (const o of v.occupants) {
      const by = occupantId(e.conversationId, e.by);
      if (moderated) {
        this.send(o, moderation(o.room, formatJid(o.jid), e.message, `${o.room}/${nick}`, by));
        continue;
      }
      const a = { from: `${o.room}/${nick}`, to: formatJid(o.jid), groupchat: true };
      const stanza =
        e.change === 'edited'
          ? correction(e.message, a)
          : e.change === 'deleted'
            ? retraction(e.message, a)
            : reactionsOf(e.message, e.by, a);
      this.send(o, stanza.append(by));
    }
  }

  /** XEP-0085 in a room: another member started or stopped typing. */
  private typing(e: EventOf<'message.typing'>): void {
    const v = this.view(e.tenantId, e.userId, e.conversationId);
    if (!v || e.memberId === e.userId) return;
    const nick = this.nickOf(v, e.memberId, e.member);
    for (const o of v.occupants) {
      const stanza = chatState(e.typing, { from: `${o.room}/${nick}`, to: formatJid(o.jid), groupchat: true });
      this.send(o, stanza.append(occupantId(e.conversationId, e.memberId)));
    }
  }

  /** Members who came, went (and why), changed role or name, and a new subject, as XEP-0045 presence and messages. */
  private updated(e: EventOf<'conversation.updated'>): void {
    const { tenantId, userId, conversation: details } = e;
    const v = this.view(tenantId, userId, details.id);
    if (!v) return;
    const before = v;
    const after: View = { ...v, details, nicks: memberNicks(details.members) };
    this.views.set(viewKey(tenantId, userId, details.id), after);
    for (const o of v.occupants) {
      const to = formatJid(o.jid);
      const self = (id: string) => (id === userId ? [STATUS.self] : []);
      for (const m of before.details.members) {
        const now = this.occupantOf(after, m.userId);
        const was = this.occupantOf(before, m.userId) as OccupantView;
        if (!now) {
          const gone = departure(e.departed?.userId === m.userId ? e.departed.reason : undefined);
          const codes = [...self(m.userId), gone.code];
          const view = { ...was, affiliation: gone.affiliation };
          this.send(o, occupantPresence(o.room, to, view, { unavailable: true, codes }));
        } else if (now.nick !== was.nick) {
          const codes = [...self(m.userId), STATUS.nickChanged];
          this.send(o, occupantPresence(o.room, to, was, { unavailable: true, codes, newNick: now.nick }));
          this.send(o, occupantPresence(o.room, to, now, { codes: self(m.userId) }));
        } else if (now.affiliation !== was.affiliation) {
          this.send(o, occupantPresence(o.room, to, now, { codes: self(m.userId) }));
        }
      }
      for (const m of details.members) {
        const now = this.occupantOf(after, m.userId) as OccupantView;
        if (!this.occupantOf(before, m.userId)) this.send(o, occupantPresence(o.room, to, now));
      }
      if (details.topic !== before.details.topic)
        this.send(o, subjectMessage(o.room, to, details.topic, `subject-${details.updatedAt}`));
      // §10.2.1: what disco#info says changed (name or description); clients ask again.
      if (details.name !== before.details.name || details.topic !== before.details.topic)
        this.send(o, configChanged(o.room, to, `config-${details.updatedAt}`));
    }
  }

  /** The user is no longer a member: each of their occupants is told why (321, a kick 307, a ban 301), or that the room is gone. */
  private removed(e: EventOf<'conversation.removed'>): void {
    const { tenantId, userId, conversationId } = e;
    const v = this.view(tenantId, userId, conversationId);
    if (!v) return;
    for (const o of v.occupants) {
      const me = this.occupantOf(v, userId);
      const gone = departure(e.reason);
      const affiliation = e.dissolved ? 'none' : gone.affiliation;
      const view = { ...me, nick: me?.nick ?? formatJid(o.jid), jid: formatJid(o.jid), affiliation };
      const codes = e.dissolved ? [STATUS.self] : [STATUS.self, gone.code];
      const opts = { unavailable: true, codes, destroyed: e.dissolved === true };
      this.send(o, occupantPresence(o.room, formatJid(o.jid), view, opts));
      this.remove(tenantId, userId, conversationId, o.jid);
    }
  }
}
