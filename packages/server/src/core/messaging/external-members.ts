import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid } from '../errors.js';
import type { Repositories } from '../store.js';
import { splitAddress } from '../users/model.js';
import type { Caller, ConversationService, ExternalAddress } from './conversations.js';
import type { Conversation, Member } from './model.js';

/** The longest nick a member of another server may take (as long as a display name here). */
const MAX_NICK = 64;

/**
 * User ids of the addresses of the caller's tenant, and bare JIDs of those of users of other
 * servers it federates with (`externalAddress`: a blocked domain is refused, see `external.ts`).
 */
export async function resolveAddresses(
  repos: Repositories,
  externalAddress: ExternalAddress,
  caller: Caller,
  addresses: string[],
): Promise<{ ids: string[]; jids: string[] }> {
  const ids: string[] = [];
  const jids: string[] = [];
  for (const [i, address] of addresses.entries()) {
    const jid = address.includes('@') ? await externalAddress(caller.tenantId, address) : undefined;
    if (jid !== undefined) {
      if (!jids.includes(jid)) jids.push(jid);
      continue;
    }
    const { local, domain } = splitAddress(address);
    const u = await repos.users.byAddress(caller.tenantId, local, domain);
    if (!u) throw invalid(`members.${i}`, `no user ${address} here`);
    if (!ids.includes(u.id)) ids.push(u.id);
  }
  return { ids, jids };
}

/** A member of another server's first nick in a group's room: their JID's local part. */
export const nickOf = (jid: string) => jid.slice(0, jid.indexOf('@'));

/** Takes a member out of a conversation: a user here is marked as gone, one of another server deleted. */
export const drop = (r: Repositories, c: Conversation, m: Member, now: number) =>
  m.external
    ? r.conversations.removeExternal(c.tenantId, c.id, m.userId)
    : r.conversations.leave(c.tenantId, c.id, m.userId, now);

/**
 * Members of groups who are users of other servers (XMPP federation: occupants of the group's
 * room over s2s). Owners and admins add them as any member (by address, `ConversationService`);
 * in the groups they belong to they act as a `Caller` whose user id is their bare JID, so what
 * they send is theirs (`Message.externalSender`) and events reach them as any member's.
 */
export class ExternalMembers {
  constructor(
    private readonly ctx: CoreContext,
    private readonly conversations: ConversationService,
    private readonly externalAddress: ExternalAddress,
  ) {}

  /**
   * Who a user of another server (`address`, a bare JID) is in the tenant's groups; undefined for
   * an address of this server. A blocked domain is refused.
   */
  async caller(tenantId: string, address: string): Promise<Caller | undefined> {
    const jid = await this.externalAddress(tenantId, address);
    return jid === undefined ? undefined : { tenantId, userId: jid };
  }

  /**
   * A member of another server takes another nick in the group's room (XEP-0045 §7.2: the nick
   * they join with); refused when another member goes by it.
   */
  async rename(caller: Caller, id: string, nick: string): Promise<void> {
    const a = await this.conversations.access(caller, id);
    if (!a.member.external) throw forbidden('only members of other servers choose their nick');
    if (nick.trim() === '' || nick.length > MAX_NICK || /\p{Cc}/u.test(nick)) {
      throw invalid('nick', `1 to ${MAX_NICK} characters, no control characters`);
    }
    if (nick === a.member.displayName) return;
    const others = a.members.filter((m) => m.leftAt === null && m.userId !== caller.userId);
    if (others.some((m) => m.displayName === nick || m.address === nick)) throw conflict(`${nick} is taken`);
    const now = this.ctx.clock.now();
    await this.ctx.store.transaction(async (r) => {
      await r.conversations.renameExternal(caller.tenantId, id, caller.userId, nick);
      await r.conversations.update(caller.tenantId, id, {}, now);
    });
    await this.conversations.announce(caller.tenantId, id);
  }
}
