import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../platform/store/errors.js';
import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import { messageDetails, namedMembers } from './details.js';
import { drop, ExternalMembers, nickOf, resolveAddresses } from './external-members.js';
import type { Conversation, Departure, Member, MemberConversation, MemberRole, MessageDetails } from './model.js';
import { pairKey } from './model.js';

/** A room name as XMPP clients choose them (a JID's local part, lower case). */
const ROOM_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Who acts: a signed-in user of a tenant. */
export interface Caller {
  tenantId: string;
  userId: string;
}

export interface Access {
  conversation: Conversation;
  member: Member;
  members: Member[];
}

/** The caller's access to a conversation and its members as read: 404 when not there or never a member, 403 once gone. */
export function accessOf(caller: Caller, conversation: Conversation | undefined, members: Member[]): Access {
  const member = members.find((m) => m.userId === caller.userId);
  if (!conversation || !member) throw notFound('conversation');
  if (member.leftAt !== null) throw forbidden('you are no longer a member of this conversation');
  return { conversation, member, members };
}

/**
 * The bare JID of an address when it names a user of another server the tenant federates with;
 * undefined for an address of this server; throws for a blocked domain (`external.ts`).
 */
export type ExternalAddress = (tenantId: string, address: string) => Promise<string | undefined>;

/**
 * Conversations and their membership: 1:1s (one per pair, also with a user of another server)
 * and groups with owner/admin/member roles.
 */
export class ConversationService {
  /** Members of groups who are users of other servers. */
  readonly externalMembers: ExternalMembers;
  /** The 1:1 of each pair (`tenant:pairKey`) → its id, per node: a pair's 1:1 stays the same one. */
  private readonly pairs: ReadCache<string>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly externalAddress: ExternalAddress,
  ) {
    this.externalMembers = new ExternalMembers(ctx, this, externalAddress);
    this.pairs = new ReadCache(ctx.clock);
  }

  /** Drops the 1:1s kept of a tenant, or of its user `userId` (`read-cache-feature.ts`). */
  forget(tenantId: string, userId?: string): void {
    this.pairs.forget((_, key) => key.startsWith(`${tenantId}:`) && (userId === undefined || key.includes(userId)));
  }

  /**
   * The conversation if the caller is a member: 404 when it does not exist in their tenant or they
   * never belonged to it, 403 once they have left.
   */
  async access(caller: Caller, id: string): Promise<Access> {
    const repos = this.ctx.store.repos;
    const conversation = await repos.conversations.get(caller.tenantId, id);
    const members = conversation ? await repos.conversations.members(caller.tenantId, id) : [];
    return accessOf(caller, conversation, members);
  }

  async get(caller: Caller, id: string): Promise<MemberConversation> {
    await this.access(caller, id);
    return this.forMember(caller, id);
  }

  async list(caller: Caller, options: { limit?: number; offset?: number } = {}): Promise<MemberConversation[]> {
    const repos = this.ctx.store.repos;
    const list = await repos.conversations.listForUser(caller.tenantId, caller.userId, options);
    const newest = await this.newest(
      caller.tenantId,
      list.map((s) => s.id),
    );
    const members: Member[][] = [];
    for (const s of list) members.push(await repos.conversations.members(caller.tenantId, s.id));
    const shared = await this.sharedNames(caller.tenantId, members.flat());
    return list.map((s, i) => ({
      ...s,
      members: namedMembers(members[i] as Member[], shared),
      lastMessage: newest.get(s.id) ?? null,
    }));
  }

  /** The newest message of each conversation (for the list's preview), by conversation id. */
  private async newest(tenantId: string, ids: string[]): Promise<Map<string, MessageDetails>> {
    const repos = this.ctx.store.repos;
    const details = await messageDetails(repos, tenantId, await repos.messages.newest(tenantId, ids));
    return new Map(details.map((m) => [m.conversationId, m]));
  }

  /** A group, or the 1:1 with one other user (the existing one when there is one). */
  async create(
    caller: Caller,
    input: {
      members: string[];
      name?: string | undefined;
      topic?: string | undefined;
      kind?: 'direct' | 'group' | undefined;
      /** A group's room name (an XMPP client's choice, unique in the tenant). */
      room?: string | undefined;
      /** A room locked until its owner configures it (`unlock`). */
      locked?: boolean | undefined;
    },
  ): Promise<MemberConversation> {
    const [only] = input.members;
    if (input.kind !== 'group' && input.members.length === 1 && only !== undefined && !input.name && !input.room) {
      const jid = await this.externalAddress(caller.tenantId, only);
      if (jid !== undefined) {
        if (input.topic) throw invalid('name', 'a 1:1 has no name, topic or room');
        return this.forMember(caller, await this.external(caller, jid));
      }
    }
    const { ids, jids } = await resolveAddresses(this.ctx.store.repos, this.externalAddress, caller, input.members);
    const others = ids.filter((id) => id !== caller.userId);
    const direct =
      input.kind === 'direct' || (input.kind === undefined && others.length === 1 && jids.length === 0 && !input.name);
    const now = this.ctx.clock.now();
    if (direct) {
      const [other] = others;
      if (others.length !== 1 || other === undefined || jids.length > 0)
        throw invalid('members', 'a 1:1 needs exactly one other user');
      if (input.name || input.topic || input.room) throw invalid('name', 'a 1:1 has no name, topic or room');
      return this.forMember(caller, await this.direct(caller, other));
    }
    if (input.room !== undefined && !ROOM_NAME.test(input.room)) {
      throw invalid('room', 'lower-case letters, digits and . _ - only, at most 64');
    }
    const group = { kind: 'group' as const, name: input.name ?? null, topic: input.topic ?? null };
    const c = this.conversation(caller, { ...group, room: input.room ?? null, locked: input.locked === true }, now);
    try {
      await this.ctx.store.repos.conversations.insert(c, [
        { userId: caller.userId, role: 'owner' },
        ...others.map((userId) => ({ userId, role: 'member' as const })),
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`there is a group named ${input.room} already`);
      throw err;
    }
    for (const jid of jids)
      await this.ctx.store.repos.conversations.addExternal(c.tenantId, c.id, jid, nickOf(jid), now);
    await this.announce(caller.tenantId, c.id);
    return this.forMember(caller, c.id);
  }

  /** The caller's 1:1 with `other`, a user of their tenant (checked), made when there is none; its id. */
  direct(caller: Caller, other: string): Promise<string> {
    const key = pairKey(caller.userId, other);
    return this.pair(caller, { kind: 'direct', pairKey: key }, [caller.userId, other]);
  }

  /** The caller's 1:1 with a user of another server (`jid`, checked), made when there is none; its id. */
  external(caller: Caller, jid: string): Promise<string> {
    const key = pairKey(caller.userId, jid);
    const c = {
      kind: 'direct' as const,
      pairKey: key,
      external: jid,
      externalReceipt: { deliveredSeq: 0, readSeq: 0 },
    };
    return this.pair(caller, c, [caller.userId]);
  }

  /** The 1:1 of `c.pairKey`, made with these members when there is none (both sides at once: one wins); its id. */
  private async pair(
    caller: Caller,
    c: Partial<Conversation> & { kind: 'direct'; pairKey: string },
    members: string[],
  ): Promise<string> {
    const repos = this.ctx.store.repos.conversations;
    const byPair = async () => (await repos.byPair(caller.tenantId, c.pairKey))?.id;
    const existing = await this.pairs.get(`${caller.tenantId}:${c.pairKey}`, byPair);
    if (existing) return existing;
    const made = this.conversation(caller, c, this.ctx.clock.now());
    const rows = members.map((userId) => ({ userId, role: 'member' as const }));
    try {
      await repos.insert(made, rows);
    } catch (err) {
      const winner = isUniqueViolation(err) && (await repos.byPair(caller.tenantId, c.pairKey));
      if (!winner) throw err;
      return winner.id;
    }
    await this.announce(caller.tenantId, made.id);
    return made.id;
  }

  /**
   * The id of the tenant's conversation a room name (or id) names, whether or not the caller is a
   * member (`get` tells them whether they may see it); undefined when there is none, so an XMPP
   * client may create a group with that room name.
   */
  async findRoom(caller: Caller, room: string): Promise<string | undefined> {
    const repos = this.ctx.store.repos.conversations;
    return ((await repos.get(caller.tenantId, room)) ?? (await repos.byRoom(caller.tenantId, room)))?.id;
  }

  /** An owner ends a group: every member leaves it and its room name is free again (the history stays stored). */
  async dissolve(caller: Caller, id: string): Promise<void> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    if (a.member.role !== 'owner') throw forbidden('only owners can dissolve a group');
    const current = a.members.filter((m) => m.leftAt === null);
    const now = this.ctx.clock.now();
    await this.ctx.store.transaction(async (r) => {
      for (const m of current) await drop(r, a.conversation, m, now);
      await r.conversations.update(caller.tenantId, id, { room: null }, now);
    });
    for (const m of current) {
      const e = { tenantId: caller.tenantId, userId: m.userId, conversationId: id, dissolved: true };
      await this.ctx.bus.publish('conversation.removed', e);
    }
  }

  /** The owner configured a locked room (XEP-0045 §10.1.3): others may join it now. */
  async unlock(caller: Caller, id: string): Promise<void> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    if (a.member.role !== 'owner') throw forbidden('only owners configure a new room');
    await this.ctx.store.repos.conversations.update(caller.tenantId, id, { locked: false }, this.ctx.clock.now());
  }

  async update(
    caller: Caller,
    id: string,
    patch: { name?: string | null | undefined; topic?: string | null | undefined },
  ): Promise<MemberConversation> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    if (a.member.role === 'member') throw forbidden('only owners and admins can change a group');
    await this.ctx.store.repos.conversations.update(
      caller.tenantId,
      id,
      {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.topic !== undefined && { topic: patch.topic }),
      },
      this.ctx.clock.now(),
    );
    await this.announce(caller.tenantId, id);
    return this.forMember(caller, id);
  }

  async addMembers(caller: Caller, id: string, addresses: string[]): Promise<MemberConversation> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    if (a.member.role === 'member') throw forbidden('only owners and admins can add members');
    const { ids, jids } = await resolveAddresses(this.ctx.store.repos, this.externalAddress, caller, addresses);
    const current = new Set(a.members.filter((m) => m.leftAt === null).map((m) => m.userId));
    const now = this.ctx.clock.now();
    await this.ctx.store.transaction(async (r) => {
      for (const userId of ids)
        if (!current.has(userId)) await r.conversations.addMember(caller.tenantId, id, userId, 'member', now);
      for (const jid of jids) await r.conversations.addExternal(caller.tenantId, id, jid, nickOf(jid), now);
      await r.conversations.update(caller.tenantId, id, {}, now);
    });
    await this.announce(caller.tenantId, id);
    return this.forMember(caller, id);
  }

  async setRole(caller: Caller, id: string, userId: string, role: MemberRole): Promise<MemberConversation> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    if (a.member.role !== 'owner') throw forbidden('only owners can change roles');
    const target = a.members.find((m) => m.userId === userId && m.leftAt === null);
    if (!target) throw notFound('member');
    if (target.external) throw forbidden('a member of another server stays a plain member');
    const owners = a.members.filter((m) => m.leftAt === null && m.role === 'owner');
    if (target.role === 'owner' && role !== 'owner' && owners.length === 1) {
      throw forbidden('a group needs an owner; make someone else owner first');
    }
    await this.ctx.store.transaction(async (r) => {
      await r.conversations.setRole(caller.tenantId, id, userId, role);
      await r.conversations.update(caller.tenantId, id, {}, this.ctx.clock.now());
    });
    await this.announce(caller.tenantId, id);
    return this.forMember(caller, id);
  }

  /** Owners remove anyone, admins remove plain members; removing yourself is leaving. `reason` says how (kicked, banned). */
  async removeMember(
    caller: Caller,
    id: string,
    userId: string,
    reason: Exclude<Departure, 'left'> = 'removed',
  ): Promise<void> {
    if (userId === caller.userId) return this.leave(caller, id);
    const a = await this.access(caller, id);
    this.requireGroup(a);
    const target = a.members.find((m) => m.userId === userId && m.leftAt === null);
    if (a.member.role === 'member') throw forbidden('only owners and admins can remove members');
    if (!target) throw notFound('member');
    if (a.member.role === 'admin' && target.role !== 'member') throw forbidden('admins can remove members only');
    await this.depart(a, userId, reason);
  }

  async leave(caller: Caller, id: string): Promise<void> {
    const a = await this.access(caller, id);
    this.requireGroup(a);
    await this.depart(a, caller.userId, 'left');
  }

  /** Takes a member out; when the last owner goes, the longest-standing admin (else member) takes over. */
  private async depart(a: Access, userId: string, reason: Departure): Promise<void> {
    const { tenantId, id } = a.conversation;
    const now = this.ctx.clock.now();
    const gone = a.members.find((m) => m.userId === userId && m.leftAt === null);
    const rest = a.members.filter((m) => m.leftAt === null && m.userId !== userId && !m.external);
    const heir =
      rest.some((m) => m.role === 'owner') || rest.length === 0
        ? undefined
        : (rest.find((m) => m.role === 'admin') ?? rest[0]);
    await this.ctx.store.transaction(async (r) => {
      if (gone) await drop(r, a.conversation, gone, now);
      if (heir) await r.conversations.setRole(tenantId, id, heir.userId, 'owner');
      await r.conversations.update(tenantId, id, {}, now);
    });
    await this.ctx.bus.publish('conversation.removed', { tenantId, userId, conversationId: id, reason });
    await this.announce(tenantId, id, { userId, reason });
  }

  private requireGroup(a: Access) {
    if (a.conversation.kind !== 'group') throw forbidden('a 1:1 has no membership to change');
  }

  private conversation(
    caller: Caller,
    c: Partial<Conversation> & Pick<Conversation, 'kind'>,
    now: number,
  ): Conversation {
    return {
      id: randomUUID(),
      tenantId: caller.tenantId,
      pairKey: null,
      name: null,
      topic: null,
      room: null,
      locked: false,
      external: null,
      externalReceipt: null,
      createdBy: caller.userId,
      lastSeq: 0,
      createdAt: now,
      updatedAt: now,
      ...c,
    };
  }

  private async forMember(caller: Caller, id: string): Promise<MemberConversation> {
    const repos = this.ctx.store.repos;
    const conversation = await repos.conversations.get(caller.tenantId, id);
    const members = await repos.conversations.members(caller.tenantId, id);
    const me = members.find((m) => m.userId === caller.userId);
    if (!conversation || !me) throw notFound('conversation');
    const [summary] = await repos.conversations.listForUser(caller.tenantId, caller.userId, { id });
    const newest = await this.newest(caller.tenantId, [id]);
    return {
      ...(summary ?? { ...conversation, role: me.role, deliveredSeq: me.deliveredSeq, readSeq: me.readSeq, unread: 0 }),
      members: namedMembers(members, await this.sharedNames(caller.tenantId, members)),
      lastMessage: newest.get(id) ?? null,
    };
  }

  /** The display names of these members that another user of the tenant also has (their labels add the address). */
  private sharedNames(tenantId: string, members: Member[]): Promise<Set<string>> {
    return this.ctx.store.repos.users.sharedNames(
      tenantId,
      members.map((m) => m.displayName),
    );
  }

  /** Tells every current member what the conversation looks like now (and who `departed` just now). */
  async announce(tenantId: string, id: string, departed?: { userId: string; reason: Departure }): Promise<void> {
    const repos = this.ctx.store.repos;
    const conversation = await repos.conversations.get(tenantId, id);
    if (!conversation) return;
    const members = await repos.conversations.members(tenantId, id);
    const current = namedMembers(members, await this.sharedNames(tenantId, members));
    const details = { ...conversation, members: current };
    for (const m of current) {
      await this.ctx.bus.publish('conversation.updated', {
        tenantId,
        userId: m.userId,
        conversation: details,
        departed,
      });
    }
  }
}
