// XEP-0084 user avatars from the user record, over a minimal XEP-0163 PEP of the two avatar nodes
// (`urn:xmpp:avatar:data`, `urn:xmpp:avatar:metadata`) on each account. Anyone who may see the
// user (not blocked; as for the vCard) gets their items; the user publishes data then metadata,
// which sets the core's avatar (the web app's too). Every change goes as a +notify event to the
// user's and their colleagues' clients here whose caps ask for it (XEP-0115, client-caps.ts).
// Other PEP nodes do not exist: items of them are item-not-found, a publish feature-not-implemented.
import type { Services } from '../../../compose.js';
import { watcherOf } from '../../../core/presence/watchers.js';
import { AVATAR_MAX_BYTES } from '../../../core/users/avatars.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { formatJid, type Jid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { C2sSession, Inbound, IqHandler, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  AVATAR_NOTIFY,
  itemsOf,
  metadataEvent,
  type PepAvatar,
  PUBSUB,
  PUBSUB_ERRORS,
  parsePubsub,
  published,
} from './avatar-pep.js';
import { ClientCaps } from './client-caps.js';
import { localUser, watcherFor } from './local.js';

/** Image data published and waiting for its metadata, per user (one each). */
const MAX_PENDING = 1000;

export class AvatarModule implements XmppModule {
  readonly name = 'avatar';
  readonly accountFeatures = [`${PUBSUB}#publish`, `${PUBSUB}#retrieve-items`, AVATAR_METADATA, AVATAR_DATA];
  private ctx: ModuleContext | undefined;
  private readonly caps = new ClientCaps();
  private readonly pending = new Map<string, { id: string; bytes: Buffer }>();

  readonly iq = {
    [PUBSUB]: {
      get: ((req) => this.items(this.own(req), req.payload)) as IqHandler,
      set: ((req) => this.publish(this.own(req), req.payload)) as IqHandler,
    },
  };

  start(ctx: ModuleContext): Stop {
    this.ctx = ctx;
    return ctx.core.ctx.bus.subscribe('avatar.changed', (e) => this.notify(e.tenantId, e.userId));
  }

  sessionEnded(session: C2sSession): void {
    this.pending.delete(`${session.tenantId} ${session.user.id}`);
  }

  private get core(): Services {
    if (!this.ctx) throw new StanzaError('service-unavailable');
    return this.ctx.core;
  }

  /** The account a pubsub IQ to one's own account is about (the server's domain has no pubsub service). */
  private own(req: Inbound): User {
    if (!req.session || req.to?.local === null) throw new StanzaError('service-unavailable');
    return req.session.user;
  }

  private async avatarOf(user: User): Promise<PepAvatar | null> {
    return (await this.core.avatars.get(user.tenantId, user.id)) ?? null;
  }

  private async items(owner: User, payload: XmlElement): Promise<XmlElement> {
    const q = parsePubsub('get', payload);
    if (q.kind !== 'items' || (q.node !== AVATAR_DATA && q.node !== AVATAR_METADATA)) {
      throw new StanzaError('item-not-found', 'only the avatar nodes exist here');
    }
    const avatar = await this.avatarOf(owner);
    if (!avatar) throw new StanzaError('item-not-found', 'no avatar');
    return itemsOf(q.node, avatar, q.itemId);
  }

  private async publish(user: User, payload: XmlElement): Promise<XmlElement> {
    const q = parsePubsub('set', payload);
    const key = `${user.tenantId} ${user.id}`;
    if (q.kind === 'data') {
      if (q.bytes.length > AVATAR_MAX_BYTES) {
        throw new StanzaError(
          'not-acceptable',
          `at most ${AVATAR_MAX_BYTES} bytes`,
          'modify',
          x('payload-too-big', { xmlns: PUBSUB_ERRORS }),
        );
      }
      if (this.pending.size >= MAX_PENDING) this.pending.clear();
      this.pending.set(key, { id: q.id, bytes: q.bytes });
      return published(AVATAR_DATA, q.id);
    }
    if (q.kind !== 'metadata') {
      throw new StanzaError(
        'feature-not-implemented',
        'only the avatar nodes',
        'cancel',
        x('unsupported', { xmlns: PUBSUB_ERRORS, feature: 'publish' }),
      );
    }
    if (!q.info) {
      await this.core.avatars.remove(user.tenantId, user.id);
      return published(AVATAR_METADATA, 'current');
    }
    const data = this.pending.get(key);
    if (data?.id === q.info.id) {
      await this.core.avatars.set(user.tenantId, user.id, { contentType: q.info.type, bytes: data.bytes });
      this.pending.delete(key);
    } else if ((await this.core.avatars.hash(user.tenantId, user.id)) !== q.info.id) {
      throw new StanzaError('item-not-found', 'publish the image to urn:xmpp:avatar:data first');
    }
    return published(AVATAR_METADATA, q.info.id);
  }

  /** Caps of clients' presence; the answers to the caps questions; pubsub gets to another user's bare JID. */
  async handle(inbound: Inbound): Promise<boolean> {
    const { ctx } = this;
    if (!ctx) return false;
    if (this.caps.seen(inbound, inbound.from.domain)) return true;
    const { stanza, to, from, session } = inbound;
    const payload = stanza.child('pubsub', PUBSUB);
    if (stanza.name !== 'iq' || !payload || to === null || to.local === null || to.resource !== null) return false;
    const owner = await localUser(ctx.core, to);
    if (!owner) return false;
    const reply = (s: XmlElement) => (session ? session.send(s) : ctx.route(s));
    try {
      if (stanza.attrs.type !== 'get') throw new StanzaError('forbidden', 'only the owner publishes to their nodes');
      await this.mayRead(owner, from);
      const result = await this.items(owner, payload);
      reply(x('iq', { type: 'result', id: stanza.attrs.id, from: addressOf(owner), to: formatJid(from) }, result));
    } catch (err) {
      const s = stanza.withAttrs({ from: formatJid(from), to: addressOf(owner) });
      if (mayReplyWithError(s)) reply(errorReply(s, toStanzaError(err)));
    }
    return true;
  }

  /** Blocked askers get service-unavailable, as if there were no such user (XEP-0084 follows the vCard). */
  private async mayRead(owner: User, from: Jid): Promise<void> {
    const relation = await this.core.presence.watchers.relation(
      owner.tenantId,
      await watcherFor(this.core, from),
      owner.id,
    );
    if (relation === 'blocked') throw new StanzaError('service-unavailable');
  }

  /** The new metadata to the owner's and their colleagues' clients here that asked for it. */
  private async notify(tenantId: string, userId: string): Promise<void> {
    const { ctx } = this;
    if (!ctx) return;
    const owner = await ctx.core.users.get(tenantId, userId);
    const avatar = await this.avatarOf(owner);
    for (const session of ctx.sessions.all()) {
      if (session.tenantId !== tenantId || !this.caps.has(session, AVATAR_NOTIFY)) continue;
      if (session.user.id !== userId) {
        const relation = await ctx.core.presence.watchers.relation(tenantId, watcherOf(session.user), userId);
        if (relation === 'blocked') continue;
      }
      session.send(metadataEvent(addressOf(owner), formatJid(session.jid), avatar));
    }
  }
}
