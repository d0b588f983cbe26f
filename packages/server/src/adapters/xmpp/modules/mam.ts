// XEP-0313 Message Archive Management on the user's archive of 1:1s, which is the core's history
// (what the web app shows), also those with users of other servers; the query and its answer are
// mam-query.ts's. Retracted messages are XEP-0424 tombstones.
import type { Services } from '../../../compose.js';
import type { MessageDetails } from '../../../core/messaging/model.js';
import { bareJid, formatJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { C2sSession, Inbound, ModuleContext, XmppModule } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { chatMessage } from './chat-stanzas.js';
import { fileLinks } from './file-urls.js';
import { answerQuery, MAM_EXTENDED, MAM_NS, type MamQuery, mamForm, parseMamQuery } from './mam-query.js';

export class MamModule implements XmppModule {
  readonly name = 'mam';
  readonly accountFeatures = [MAM_NS, MAM_EXTENDED];
  private core: Services | undefined;
  private ctx: ModuleContext | undefined;
  readonly iq = {
    [MAM_NS]: {
      get: () => mamForm(),
      set: (req: Inbound & { payload: XmlElement }) => this.query(req),
    },
  };

  start(ctx: ModuleContext) {
    this.core = ctx.core;
    this.ctx = ctx;
    return undefined;
  }

  private async query({ payload, session, to }: Inbound & { payload: XmlElement }): Promise<XmlElement> {
    const { core, ctx } = this;
    if (!core || !ctx || !session) throw new StanzaError('service-unavailable');
    // The user's own archive only (a MUC's is the MUC module's).
    if (to && (to.local !== session.jid.local || to.domain !== session.jid.domain)) {
      throw new StanzaError('service-unavailable');
    }
    const q = parseMamQuery(payload);
    const withUser = await this.withUser(core, session, q);
    const caller = { tenantId: session.tenantId, userId: session.user.id };
    const page =
      withUser === null
        ? { messages: [], complete: true }
        : await core.messaging.archive(caller, {
            withUser,
            start: q.start,
            end: q.end,
            after: q.after,
            before: q.before,
            limit: q.max,
          });
    const me = bareJid(session.jid);
    const peers = await this.peers(core, caller, page.messages);
    return answerQuery(q, page, {
      archive: me,
      to: formatJid(session.jid),
      async render(m) {
        const peer = peers.get(m.conversationId) ?? '';
        const mine = m.senderId === caller.userId;
        const addressing = { from: mine ? me : peer, to: mine ? peer : me, by: me, request: false };
        return chatMessage(m, addressing, await fileLinks(ctx, m));
      },
      send: (result) => session.send(result),
    });
  }

  /**
   * The user id of `with` (undefined: no filter), its bare JID for a user of another server, or
   * null when it names no one of the tenant (an empty archive).
   */
  private async withUser(core: Services, session: C2sSession, q: MamQuery): Promise<string | undefined | null> {
    if (q.with === undefined) return undefined;
    if (q.with.local === null) return null;
    const user = await core.users.byAddress(bareJid(q.with));
    if (user) return user.tenantId === session.tenantId ? user.id : null;
    const external = await core.messaging.external.address(session.tenantId, bareJid(q.with)).catch(() => undefined);
    return external ?? null;
  }

  /** The other member's address of each 1:1 on the page. */
  private async peers(
    core: Services,
    caller: { tenantId: string; userId: string },
    messages: MessageDetails[],
  ): Promise<Map<string, string>> {
    const peers = new Map<string, string>();
    for (const id of new Set(messages.map((m) => m.conversationId))) {
      const c = await core.messaging.conversations.get(caller, id);
      const other = c.external ?? c.members.find((m) => m.userId !== caller.userId)?.address;
      if (other !== undefined) peers.set(id, other);
    }
    return peers;
  }
}
