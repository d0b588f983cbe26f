import { bareJid, parseJid } from '../../lib/jid.js';
import type { CoreContext } from '../context.js';
import { invalid, ParleyError } from '../errors.js';
import { federates, type TrustLevel } from '../federation/model.js';
import type { Caller } from './conversations.js';
import type { MessageDetails, NewMessage } from './model.js';
import type { MessagingService } from './service.js';

/** The longest bare JID kept as a conversation's external party (as long as an address may be). */
const MAX_JID = 318;

/** Who a message from another server reached: a user here, and the bare JID of its sender. */
export interface ExternalParty {
  to: Caller;
  from: string;
}

/**
 * 1:1 conversations with users of other servers (XMPP federation). The conversation records its
 * external party (a bare JID); the user here is its one member, and what the party sends (new
 * messages, edits, deletions, reactions) is stored as theirs (`externalSender`), so the web app
 * and the archive show it; so are their receipts (the conversation's `externalReceipt`). Their
 * typing is told to the user's clients only. What the user does in such a conversation is
 * published to the user (as in any 1:1), and the XMPP adapter takes it to the party's server.
 */
export class ExternalChats {
  constructor(
    private readonly ctx: CoreContext,
    private readonly messaging: MessagingService,
    private readonly trustOf: (tenantId: string, domain: string) => Promise<TrustLevel>,
  ) {}

  /**
   * The bare JID of `address` when it is a user of another server the tenant federates with;
   * undefined when the domain (or the service domain's parent, `conference.DOMAIN`) is one of
   * this server's tenants. A blocked domain is refused.
   */
  async address(tenantId: string, address: string): Promise<string | undefined> {
    const jid = parseJid(address);
    if (!jid || jid.local === null || jid.resource !== null || address.length > MAX_JID) {
      throw invalid('members.0', `${address} is not an address`);
    }
    const tenants = this.ctx.store.repos.tenants;
    const parent = jid.domain.slice(jid.domain.indexOf('.') + 1);
    if ((await tenants.byDomain(jid.domain)) || (await tenants.byDomain(parent))) return undefined;
    if (!federates(await this.trustOf(tenantId, jid.domain))) {
      throw new ParleyError('PARLEY_ERR_DOMAIN_BLOCKED', `the administrators blocked ${jid.domain}`);
    }
    return bareJid(jid);
  }

  /** The conversation of a party's message (made at its first). */
  private async conversation(p: ExternalParty): Promise<string> {
    const jid = await this.address(p.to.tenantId, p.from);
    if (jid === undefined) throw invalid('from', `${p.from} is an address of this server`);
    return this.messaging.conversations.external(p.to, jid);
  }

  /** A new message of the party (idempotent per its client key); `replyTo` a message id. */
  async receive(p: ExternalParty, input: Omit<NewMessage, 'attachments'>): Promise<MessageDetails> {
    return this.messaging.send(p.to, await this.conversation(p), input, p.from);
  }

  /** A message of the 1:1 named by its id or by the client key the party or the user gave it. */
  async find(p: ExternalParty, ref: string): Promise<MessageDetails> {
    const id = await this.conversation(p);
    return this.messaging.find(p.to, id, ref, [p.from, p.to.userId]);
  }

  async edit(p: ExternalParty, ref: string, text: string): Promise<MessageDetails> {
    const m = await this.find(p, ref);
    return this.messaging.edit(p.to, m.conversationId, m.id, text, p.from);
  }

  async remove(p: ExternalParty, ref: string): Promise<MessageDetails> {
    const m = await this.find(p, ref);
    return this.messaging.remove(p.to, m.conversationId, m.id, p.from);
  }

  /** The party's reactions to a message become exactly `emojis`. */
  async react(p: ExternalParty, m: MessageDetails, emojis: string[]): Promise<void> {
    const had = m.reactions.filter((g) => g.userIds.includes(p.from)).map((g) => g.emoji);
    for (const e of had.filter((e) => !emojis.includes(e)))
      await this.messaging.react(p.to, m.conversationId, m.id, e, false, p.from);
    for (const e of emojis.filter((e) => !had.includes(e)))
      await this.messaging.react(p.to, m.conversationId, m.id, e, true, p.from);
  }

  /**
   * The party got (`read`: read) the message `ref` of their 1:1 with the user (XEP-0184, XEP-0333):
   * their receipts move forward to it and the user's clients are told when they moved. A message
   * of another conversation is not found; one of the party's own says nothing of what they got.
   */
  async receipt(p: ExternalParty, ref: string, read: boolean): Promise<void> {
    const m = await this.find(p, ref);
    const { tenantId, userId } = p.to;
    if (m.senderId !== userId) return;
    const r = { deliveredSeq: m.seq, readSeq: read ? m.seq : 0 };
    const conversations = this.ctx.store.repos.conversations;
    if (!(await conversations.setExternalReceipt(tenantId, m.conversationId, r))) return;
    const stored = (await conversations.get(tenantId, m.conversationId))?.externalReceipt ?? r;
    await this.ctx.bus.publish('message.receipt', {
      tenantId,
      userId,
      conversationId: m.conversationId,
      memberId: p.from,
      member: p.from,
      ...stored,
    });
  }

  /** The party is typing or stopped: told to the user's clients. */
  async typing(p: ExternalParty, typing: boolean): Promise<void> {
    const conversationId = await this.conversation(p);
    await this.ctx.bus.publish('message.typing', {
      tenantId: p.to.tenantId,
      userId: p.to.userId,
      conversationId,
      memberId: p.from,
      member: p.from,
      typing,
    });
  }
}
