// Joining and leaving a room (XEP-0045 §7.2, §7.14), for a user here and for a member of another
// server over s2s alike: the occupants' presence, the own with its status codes, history and
// subject; creating a room that does not exist (§10.1). A user here goes by their name in the
// room (status 210 when they asked for another nick); a member of another server by the nick they
// join with, which the core keeps as theirs (another member's is refused with conflict, 409).
import { randomUUID } from 'node:crypto';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { MemberConversation } from '../../../core/messaging/model.js';
import { formatJid } from '../../../lib/jid.js';
import { StanzaError, toStanzaError } from '../errors.js';
import type { ModuleContext } from '../module.js';
import { fileLinks } from './file-urls.js';
import type { Occupants, View } from './muc-occupants.js';
import type { RemoteOccupancy } from './muc-remote.js';
import {
  groupchatMessage,
  historyRequest,
  MUC,
  memberNicks,
  type OccupantView,
  occupantPresence,
  STATUS,
  subjectMessage,
} from './muc-render.js';
import { groupOf, memberOf, roomOf, type Target } from './muc-target.js';

export class Joins {
  constructor(
    private readonly ctx: ModuleContext,
    private readonly rooms: Occupants,
    private readonly remote: RemoteOccupancy,
  ) {}

  async join(t: Target): Promise<void> {
    const caller = memberOf(t);
    const created = t.id === null;
    if (created && t.external) throw new StanzaError('item-not-found', 'no such room');
    if (created) t.id = await this.create(t, caller);
    let c = await groupOf(this.ctx.core, t);
    if (c.locked && c.role !== 'owner') throw new StanzaError('item-not-found', 'the room is not configured yet');
    const { from } = t.inbound;
    const me = c.members.find((m) => m.userId === caller.userId);
    const joined = this.rooms.occupant(caller.tenantId, caller.userId, c.id, from);
    if (me?.external && !joined && t.nick !== null && t.nick !== memberNicks(c.members).get(caller.userId)) {
      await this.ctx.core.messaging.conversations.externalMembers.rename(caller, c.id, t.nick);
      c = await groupOf(this.ctx.core, t);
    }
    const myNick = memberNicks(c.members).get(caller.userId);
    if (myNick === undefined) throw new StanzaError('registration-required');
    if (joined) {
      // Already joined from this resource: a presence update. Nicks stay as joined.
      if (t.nick !== myNick) throw new StanzaError('not-acceptable', `your nick in this room is ${myNick}`);
      return;
    }
    const o = await this.rooms.add(caller.tenantId, caller.userId, c, from, roomOf(t));
    const drop = () => this.rooms.remove(caller.tenantId, caller.userId, c.id, from);
    if (t.external && !(await this.remote.hold(t, o, drop))) {
      // Another node took the same join meanwhile: it answers this one too.
      drop();
      if (!(await this.remote.forward(t))) throw new StanzaError('resource-constraint', 'try joining again');
      return;
    }
    const v = this.rooms.view(caller.tenantId, caller.userId, c.id);
    const myView = v && this.rooms.occupantOf(v, caller.userId);
    if (!v || !myView) throw new StanzaError('registration-required');
    try {
      this.rooms.joined(o, await this.greet(t, c, v, myView, created));
    } catch (err) {
      drop();
      throw err;
    }
  }

  /** The join (XEP-0045 §7.2): the others' presence, the own with its status codes, history, subject; returns the ids in the history. */
  private async greet(
    t: Target,
    c: MemberConversation,
    v: View,
    myView: OccupantView,
    created: boolean,
  ): Promise<Set<string>> {
    const caller = memberOf(t);
    const { from, stanza } = t.inbound;
    const to = formatJid(from);
    const room = roomOf(t);
    for (const m of c.members) {
      const other = this.rooms.occupantOf(v, m.userId);
      if (m.userId !== caller.userId && other) this.rooms.deliver(from, occupantPresence(room, to, other));
    }
    const assigned = t.nick === myView.nick ? [] : [STATUS.nickAssigned];
    const codes = [STATUS.self, STATUS.nonAnonymous, STATUS.logged, ...assigned, ...(created ? [STATUS.created] : [])];
    this.rooms.deliver(from, occupantPresence(room, to, { ...myView, jid: to }, { codes }));
    const core = this.ctx.core;
    const req = historyRequest(stanza.child('x', MUC)?.child('history'), core.ctx.clock.now());
    const sent = new Set<string>();
    if (req.limit > 0) {
      const { messages } = await core.messaging.history(caller, c.id, req);
      for (const m of messages.reverse()) {
        if (m.deletedAt !== null) continue;
        sent.add(m.id);
        const files = await fileLinks(this.ctx, m);
        this.rooms.deliver(
          from,
          groupchatMessage(room, to, this.rooms.nickOf(v, m.senderId, m.sender), m, { delayed: true, files }),
        );
      }
    }
    this.rooms.deliver(from, subjectMessage(room, to, c.topic, randomUUID()));
    return sent;
  }

  /**
   * §10.1: the room does not exist, so the user creates it: a group of theirs with the room's name
   * (a client that raced them to it joins theirs), locked until the owner configures it.
   */
  private async create(t: Target, caller: Caller): Promise<string> {
    const room = t.local as string;
    const conversations = this.ctx.core.messaging.conversations;
    try {
      return (await conversations.create(caller, { members: [], kind: 'group', name: room, room, locked: true })).id;
    } catch (err) {
      const id = toStanzaError(err).condition === 'conflict' ? await conversations.findRoom(caller, room) : undefined;
      if (id === undefined) throw err;
      return id;
    }
  }

  /** §7.14: the occupant leaves (its own unavailable presence, status 110); `quietly` for one whose server bounced a stanza. */
  leave(t: Target, quietly = false): void {
    const caller = t.caller;
    const id = t.id as string;
    const { from } = t.inbound;
    const v = caller && this.rooms.view(caller.tenantId, caller.userId, id);
    const me = v && caller && this.rooms.occupantOf(v, caller.userId);
    if (!caller || !v || !me || !this.rooms.occupant(caller.tenantId, caller.userId, id, from)) return;
    this.rooms.remove(caller.tenantId, caller.userId, id, from);
    if (quietly) return;
    const to = formatJid(from);
    this.rooms.deliver(
      from,
      occupantPresence(roomOf(t), to, { ...me, jid: to }, { unavailable: true, codes: [STATUS.self] }),
    );
  }
}
