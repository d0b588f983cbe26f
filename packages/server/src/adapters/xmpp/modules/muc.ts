// XEP-0045 multi-user chat on `conference.DOMAIN`, backed by the core's group conversations: a
// room is `<conversation id>@conference.DOMAIN`; members join, the other members are shown as
// occupants, groupchat messages are the group's messages (the web app shows the same ones), MAM
// (XEP-0313) serves the group's history, XEP-0410 self-pings tell a client whether it is joined.
// A group made in the web app is the room `<id>@…`; joining a room that does not exist creates a
// group with that name (§10.1), owned by the joiner, locked until configured (muc-owner.ts). Joining
// a room the user is no member of is refused with registration-required (joining and leaving:
// muc-join.ts). Invitations (muc-invite.ts) and affiliation changes (muc-admin.ts) change the
// group's members; corrections, retractions, reactions, replies and uploaded files are the group's,
// as for 1:1s (chat-apply.ts). A member of another server (invited by address) reaches its room
// over s2s and acts as the core's member for their bare JID; their occupants are full JIDs with no
// session here, so what the room sends them goes out through ctx.route, from the node they joined
// (which holds their occupancy in the cluster: what reaches another node for it is relayed there,
// muc-remote.ts).
import type { Services } from '../../../compose.js';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { User } from '../../../core/users/model.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { C2sSession, Inbound, ModuleContext, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { applyContent } from './chat-apply.js';
import { parseChat } from './chat-stanzas.js';
import { DISCO_INFO, DISCO_ITEMS, infoQuery, itemsQuery } from './disco-info.js';
import { fileLinks, ownUpload } from './file-urls.js';
import { answerQuery, mamForm, parseMamQuery } from './mam-query.js';
import { adminChanges, adminList, applyAdmin } from './muc-admin.js';
import { MUC_OWNER } from './muc-config.js';
import { directInvite, mediatedInvites } from './muc-invite.js';
import { Joins } from './muc-join.js';
import { archivePage } from './muc-mam.js';
import { Occupants } from './muc-occupants.js';
import { ownerQuery } from './muc-owner.js';
import { RemoteOccupancy } from './muc-remote.js';
import {
  CONFERENCE,
  groupchatMessage,
  invitation,
  MAM,
  MODERATE,
  MUC_ADMIN,
  MUC_USER,
  moderatedId,
  roomInfo,
  roomJid,
  roomName,
  serviceDomain,
  serviceInfo,
} from './muc-render.js';
import { groupOf, memberOf, roomOf, type Target } from './muc-target.js';
import { PING_NS as PING } from './ping.js';

export class MucModule implements XmppModule {
  readonly name = 'muc';
  private ctx?: ModuleContext;
  private occupants?: Occupants;
  private joins?: Joins;
  private remote?: RemoteOccupancy;

  discoItems(domain: string) {
    return [{ jid: serviceDomain(domain), name: 'Group chats' }];
  }

  start(ctx: ModuleContext): undefined {
    this.ctx = ctx;
    this.occupants = new Occupants(ctx);
    this.remote = new RemoteOccupancy(ctx, (inbound) => this.take(inbound, true));
    this.joins = new Joins(ctx, this.occupants, this.remote);
    return undefined;
  }

  private get core(): Services {
    return this.context.core;
  }

  private get context(): ModuleContext {
    if (!this.ctx) throw new StanzaError('service-unavailable');
    return this.ctx;
  }

  private get rooms(): Occupants {
    if (!this.occupants) throw new StanzaError('service-unavailable');
    return this.occupants;
  }

  private get joining(): Joins {
    if (!this.joins) throw new StanzaError('service-unavailable');
    return this.joins;
  }

  sessionEnded(session: C2sSession): void {
    for (const r of this.occupants?.roomsOf(session.jid) ?? [])
      this.rooms.remove(r.tenantId, r.userId, r.conversationId, session.jid);
  }

  async handle(inbound: Inbound): Promise<boolean> {
    return this.take(inbound, false);
  }

  /** A stanza that arrived here, or that another node `relayed` here (which is never relayed on). */
  private async take(inbound: Inbound, relayed: boolean): Promise<boolean> {
    const to = inbound.to;
    if (!to?.domain.startsWith('conference.') || !this.ctx) {
      const { stanza, session } = inbound;
      if (stanza.name !== 'message' || !stanza.child('x', CONFERENCE) || !session || !this.ctx) return false;
      return directInvite(this.core, inbound, session, (to, s) => this.rooms.deliver(to, s));
    }
    const tenant = await this.core.tenants.byDomain(to.domain.slice('conference.'.length)).catch(() => undefined);
    if (!tenant) return false;
    const user = await this.userOf(inbound);
    const local = user && user.tenantId === tenant.id ? { tenantId: tenant.id, userId: user.id } : null;
    const external = local || user || inbound.session ? null : await this.externalCaller(tenant.id, inbound.from);
    const caller = local ?? external;
    const id =
      caller && to.local !== null ? await this.core.messaging.conversations.findRoom(caller, to.local) : undefined;
    const t: Target = {
      inbound,
      service: to.domain,
      local: to.local,
      id: id ?? null,
      nick: to.resource,
      caller,
      external: external !== null,
    };
    try {
      // A remote member joined through another node: that node holds the occupant and answers.
      const elsewhere =
        !relayed &&
        t.external &&
        caller &&
        t.id !== null &&
        !this.rooms.occupant(caller.tenantId, caller.userId, t.id, inbound.from);
      if (elsewhere && (await this.remote?.forward(t))) return true;
      await this.dispatch(t);
    } catch (err) {
      const e = toStanzaError(err);
      if (e.condition === 'internal-server-error') this.ctx.log.error({ err }, 'muc stanza failed');
      this.refuse(t, e);
    }
    return true;
  }

  /** The local user who sent it (by session, or by address for a stanza from another node); null for others. */
  private async userOf(i: Inbound): Promise<User | null> {
    if (i.session) return i.session.user;
    return (await this.core.users.byAddress(bareJid(i.from))) ?? null;
  }

  /** A user of another server the tenant federates with (over s2s); null for others. */
  private async externalCaller(tenantId: string, from: Jid): Promise<Caller | null> {
    const members = this.core.messaging.conversations.externalMembers;
    return (await members.caller(tenantId, bareJid(from)).catch(() => undefined)) ?? null;
  }

  private refuse(t: Target, err: StanzaError): void {
    const s = t.inbound.stanza.withAttrs({ from: formatJid(t.inbound.from) });
    if (mayReplyWithError(s)) this.rooms.deliver(t.inbound.from, errorReply(s, err));
  }

  private reply(t: Target, payload?: XmlElement): void {
    const { stanza, from } = t.inbound;
    this.rooms.deliver(
      from,
      x('iq', { type: 'result', id: stanza.attrs.id, from: stanza.attrs.to, to: formatJid(from) }, payload),
    );
  }

  private async dispatch(t: Target): Promise<void> {
    const { stanza } = t.inbound;
    if (stanza.name === 'iq') return this.answer(t);
    if (t.local === null) {
      if (stanza.name === 'message') throw new StanzaError('service-unavailable');
      return;
    }
    if (stanza.name === 'presence') {
      if (t.nick === null) throw new StanzaError('jid-malformed', 'join a room as room@service/nick');
      const type = stanza.attrs.type;
      if (type === 'unavailable') return this.joining.leave(t);
      if (type === 'error' && t.external) return this.joining.leave(t, true);
      return type ? undefined : this.joining.join(t);
    }
    // A member's server bounced what the room sent them: they are no occupant any more (as Prosody and ejabberd do).
    if (stanza.attrs.type === 'error' && t.external) return this.joining.leave(t, true);
    if (t.nick !== null) throw new StanzaError('not-acceptable', 'private messages are not offered in these rooms');
    if (stanza.attrs.type === 'error') return;
    if (stanza.child('x', MUC_USER)?.child('invite')) return this.invite(t);
    if (stanza.child('x', MUC_USER)?.child('decline')) return this.decline(t);
    if (stanza.attrs.type !== 'groupchat') throw new StanzaError('not-acceptable', 'only groupchat messages');
    return this.message(t);
  }

  private async message(t: Target): Promise<void> {
    const { stanza, from } = t.inbound;
    const caller = t.caller;
    if (!caller || !this.rooms.occupant(caller.tenantId, caller.userId, t.id as string, from)) {
      throw new StanzaError('not-acceptable', 'join the room before sending to it');
    }
    const subject = stanza.child('subject');
    if (stanza.child('body') === undefined && subject !== undefined) {
      await this.core.messaging.conversations.update(caller, t.id as string, { topic: subject.text() || null });
      return;
    }
    const input = parseChat(stanza);
    const id = t.id as string;
    const attach = (body: string, oob: string | undefined) => ownUpload(this.context, caller, body, oob);
    const said = await applyContent(this.core.messaging, caller, id, input, { senders: [caller.userId], attach });
    // XEP-0085 in a room: a chat state alone is typing (a message ends it by itself).
    if (!said && input.chatState !== undefined)
      await this.core.messaging.typing(caller, id, input.chatState === 'composing');
  }

  /** §7.8.2: the room adds the invitees to the group and tells them who invited them. */
  private async invite(t: Target): Promise<void> {
    const c = await groupOf(this.core, t);
    const caller = memberOf(t);
    const invites = mediatedInvites(t.inbound.stanza);
    await this.core.messaging.conversations.addMembers(
      caller,
      c.id,
      invites.map((i) => i.to),
    );
    const from = bareJid(t.inbound.from);
    for (const i of invites) {
      this.rooms.deliver(parseJid(i.to) as Jid, invitation('invite', roomOf(t), i.to, from, i.reason));
    }
  }

  /** §7.8.3: the invitee declines, so they leave the group the invitation made them a member of; the inviter is told. */
  private async decline(t: Target): Promise<void> {
    const c = await groupOf(this.core, t);
    const decline = t.inbound.stanza.child('x', MUC_USER)?.child('decline');
    const to = parseJid(decline?.attrs.to ?? '');
    await this.core.messaging.conversations.leave(memberOf(t), c.id);
    const from = bareJid(t.inbound.from);
    if (to) this.rooms.deliver(to, invitation('decline', roomOf(t), formatJid(to), from, decline?.childText('reason')));
  }

  private async answer(t: Target): Promise<void> {
    const { stanza } = t.inbound;
    const payload = stanza.elements()[0];
    const get = stanza.attrs.type === 'get';
    if (!payload || (stanza.attrs.type !== 'set' && !get)) return;
    const ns = payload.xmlns;
    if (ns === PING && get) return this.ping(t);
    if (t.local === null) {
      if (ns === DISCO_INFO && get && payload.attrs.node === undefined) return this.reply(t, infoQuery(serviceInfo));
      if (ns === DISCO_ITEMS && get) return this.reply(t, itemsQuery(await this.roomList(t)));
      throw new StanzaError('service-unavailable');
    }
    if (t.nick !== null) throw new StanzaError('not-acceptable', 'occupants take no IQs here');
    const c = await groupOf(this.core, t);
    if (ns === DISCO_INFO && get && payload.attrs.node === undefined) return this.reply(t, infoQuery(roomInfo(c)));
    if (ns === DISCO_ITEMS && get) return this.reply(t, itemsQuery([]));
    if (ns === MAM && get) return this.reply(t, mamForm({ with: false }));
    if (ns === MAM) return this.mam(t, payload);
    const caller = memberOf(t);
    const conversations = this.core.messaging.conversations;
    if (ns === MUC_ADMIN && get) return this.reply(t, adminList(c, payload));
    if (ns === MUC_ADMIN) await applyAdmin(conversations, caller, c.id, adminChanges(c, payload));
    if (ns === MUC_ADMIN) return this.reply(t);
    if (ns === MUC_OWNER) return this.reply(t, await ownerQuery(conversations, caller, c, payload, get));
    if (ns === MODERATE && !get) await this.core.messaging.remove(caller, c.id, moderatedId(payload));
    if (ns === MODERATE && !get) return this.reply(t);
    throw new StanzaError('feature-not-implemented');
  }

  /** XEP-0199 to the service or a room; XEP-0410 to room/nick: a result only when the pinger is joined with that nick. */
  private ping(t: Target): void {
    if (t.local !== null && t.nick !== null) {
      const caller = t.caller;
      const id = t.id ?? '';
      const v = caller && this.rooms.view(caller.tenantId, caller.userId, id);
      const me = v && caller && this.rooms.occupantOf(v, caller.userId);
      const joined = caller && this.rooms.occupant(caller.tenantId, caller.userId, id, t.inbound.from);
      if (!joined || me?.nick !== t.nick) throw new StanzaError('not-acceptable', 'you are not joined with this nick');
    }
    this.reply(t);
  }

  /** The groups the caller is a member of, as rooms of this service. */
  private async roomList(t: Target) {
    if (!t.caller) return [];
    const list = await this.core.messaging.conversations.list(t.caller);
    return list.filter((c) => c.kind === 'group').map((c) => ({ jid: roomJid(c, t.service), name: roomName(c) }));
  }

  private async mam(t: Target, query: XmlElement): Promise<void> {
    const caller = memberOf(t);
    const id = t.id as string;
    const q = parseMamQuery(query);
    if (q.with !== undefined) throw new StanzaError('feature-not-implemented', 'with is not offered for rooms');
    const core = this.core.messaging;
    const page = await archivePage(
      {
        history: (h) => core.history(caller, id, h),
        seqOf: async (mid) => (await core.message(caller, id, mid)).seq,
      },
      q,
    );
    const room = roomOf(t);
    const to = formatJid(t.inbound.from);
    const nicks = this.rooms.view(caller.tenantId, caller.userId, id)?.nicks ?? new Map<string, string>();
    const fin = await answerQuery(q, page, {
      archive: room,
      to,
      render: async (m) =>
        groupchatMessage(room, to, nicks.get(m.senderId) ?? m.sender, m, {
          files: await fileLinks(this.context, m),
        }).withAttrs({ to: undefined }),
      send: (result) => this.rooms.deliver(t.inbound.from, result),
    });
    this.reply(t, fin);
  }
}
