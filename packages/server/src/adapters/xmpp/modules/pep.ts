// XEP-0163 PEP: every account is a pubsub service of its own nodes. The owner publishes (nodes
// are created on the first publish, with publish-options as their configuration or as
// preconditions once they exist), creates a node with a configuration, retracts, configures,
// purges and deletes; others read items as each node's access model allows (core/pep). The
// avatar nodes are the core's avatar (avatar.ts).
// Every change goes as an event to the clients here whose XEP-0115 caps ask for `NODE+notify`
// and who may read the node; each node of a cluster tells its own clients.
import type { Services } from '../../../compose.js';
import type { EventMap } from '../../../core/events.js';
import { PEP_DEFAULT, type PepAccess } from '../../../core/pep/model.js';
import type { PepOwner } from '../../../core/pep/service.js';
import { type Watcher, watcherOf } from '../../../core/presence/watchers.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { formatJid, parseJid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { C2sSession, Inbound, IqHandler, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { AvatarNodes } from './avatar.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  AVATAR_NOTIFY,
  isAvatarNode,
  metadataEvent,
  PUBSUB,
  published,
} from './avatar-pep.js';
import { ClientCaps } from './client-caps.js';
import { localUser, watcherFor } from './local.js';
import {
  configForm,
  eventOf,
  itemsResult,
  type PepChange,
  type PepRequest,
  PUBSUB_OWNER,
  parsePep,
  preconditionNotMet,
  storedPayload,
} from './pep-stanzas.js';

/** XEP-0060 §10 features of a personal service as this server has them. */
const PUBSUB_FEATURES = [
  'access-open',
  'access-presence',
  'access-roster',
  'access-whitelist',
  'auto-create',
  'config-node',
  'create-and-configure',
  'create-nodes',
  'delete-items',
  'delete-nodes',
  'filtered-notifications',
  'item-ids',
  'last-published',
  'persistent-items',
  'presence-notifications',
  'publish',
  'publish-options',
  'purge-nodes',
  'retract-items',
  'retrieve-default',
  'retrieve-items',
];

export class PepModule implements XmppModule {
  readonly name = 'pep';
  // XEP-0163 §6: every account is a personal eventing service.
  readonly accountIdentities = [{ category: 'pubsub', type: 'pep' }];
  readonly accountFeatures = [...PUBSUB_FEATURES.map((f) => `${PUBSUB}#${f}`), AVATAR_METADATA, AVATAR_DATA];
  private ctx: ModuleContext | undefined;
  private avatars: AvatarNodes | undefined;
  // A client whose caps become known gets the last items of the nodes it asks for.
  private readonly caps = new ClientCaps((session) => {
    this.sendLast(session).catch((err: unknown) =>
      this.ctx?.log.warn({ err, user: session.user.id }, 'PEP last items not sent'),
    );
  });

  private readonly own: IqHandler = (req) => {
    if (!req.session || req.to?.local === null) throw new StanzaError('service-unavailable');
    const user = req.session.user;
    return this.answer(user, watcherOf(user), parsePep(req.stanza.attrs.type === 'get' ? 'get' : 'set', req.payload));
  };

  readonly iq = {
    [PUBSUB]: { get: this.own, set: this.own },
    [PUBSUB_OWNER]: { get: this.own, set: this.own },
  };

  start(ctx: ModuleContext): Stop {
    this.ctx = ctx;
    this.avatars = new AvatarNodes(ctx.core);
    const { bus } = ctx.core.ctx;
    const stops = [
      bus.subscribe('avatar.changed', (e) => this.avatarChanged(e.tenantId, e.userId)),
      bus.subscribe('pep.changed', (e) => this.changed(e)),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }

  sessionEnded(session: C2sSession): void {
    this.avatars?.sessionEnded(session);
  }

  private get core(): Services {
    if (!this.ctx) throw new StanzaError('service-unavailable');
    return this.ctx.core;
  }

  /** What `reader` asked of `owner`'s service (the owner themself when `reader` is them). */
  private async answer(owner: User, reader: Watcher, q: PepRequest): Promise<XmlElement | undefined> {
    const core = this.core;
    const of = { tenantId: owner.tenantId, userId: owner.id };
    if (q.kind === 'items') {
      // Whoever the owner blocked is answered as if there were no such account (XEP-0191 §3.4).
      if (!(await core.pep.mayRead(of, reader, 'open'))) throw new StanzaError('service-unavailable');
      if (isAvatarNode(q.node)) return this.avatars?.items(owner, q.node, q.ids?.[0]);
      return itemsResult(q.node, await core.pep.items(of, q.node, reader, { ids: q.ids, max: q.max }));
    }
    if (reader.userId !== owner.id || reader.tenantId !== owner.tenantId) {
      throw new StanzaError('forbidden', 'only the owner changes their nodes');
    }
    switch (q.kind) {
      case 'publish': {
        if (isAvatarNode(q.node)) return this.avatars?.publish(owner, q.node, q.id, q.payload);
        const item = { id: q.id, payload: storedPayload(q.payload) };
        const id = await core.pep.publish(of, q.node, item, q.options).catch((err: unknown) => {
          const refused = toStanzaError(err);
          throw q.options && refused.condition === 'conflict' ? preconditionNotMet(refused.message) : err;
        });
        void this.toContactsElsewhere(owner, q.node, { published: { id, payload: item.payload } });
        return published(q.node, id);
      }
      case 'create':
        // The avatar nodes are there already: they are the user's picture.
        if (isAvatarNode(q.node)) throw new StanzaError('conflict', `node ${q.node} exists`);
        await core.pep.create(of, q.node, q.options);
        return undefined;
      case 'retract':
        await core.pep.retract(of, q.node, q.ids, q.notify);
        if (q.notify) void this.toContactsElsewhere(owner, q.node, { retracted: q.ids });
        return undefined;
      case 'configure':
        if (!q.form) return configForm(await core.pep.config(of, q.node), q.node);
        await core.pep.configure(of, q.node, q.form);
        return undefined;
      case 'default':
        return configForm(PEP_DEFAULT);
      case 'purge':
      case 'delete': {
        const cleared = q.kind === 'purge' ? 'purged' : 'deleted';
        const access = await core.pep.clear(of, q.node, cleared);
        void this.toContactsElsewhere(owner, q.node, { cleared }, access);
        return undefined;
      }
    }
  }

  /** Caps of clients' presence; the answers to the caps questions; pubsub IQs to another user's bare JID. */
  async handle(inbound: Inbound): Promise<boolean> {
    const { ctx } = this;
    if (!ctx) return false;
    if (this.caps.seen(inbound, inbound.from.domain)) return true;
    const { stanza, to, from, session } = inbound;
    const payload = stanza.child('pubsub', PUBSUB) ?? stanza.child('pubsub', PUBSUB_OWNER);
    if (stanza.name !== 'iq' || !payload || to === null || to.local === null || to.resource !== null) return false;
    const owner = await localUser(ctx.core, to);
    if (!owner) return false;
    const reply = (s: XmlElement) => (session ? session.send(s) : ctx.route(s));
    const type = stanza.attrs.type;
    try {
      if (type !== 'get' && type !== 'set') return false;
      const result = await this.answer(owner, await watcherFor(ctx.core, from), parsePep(type, payload));
      reply(x('iq', { type: 'result', id: stanza.attrs.id, from: addressOf(owner), to: formatJid(from) }, result));
    } catch (err) {
      const s = stanza.withAttrs({ from: formatJid(from), to: addressOf(owner) });
      if (mayReplyWithError(s)) reply(errorReply(s, toStanzaError(err)));
    }
    return true;
  }

  /** A change of a stored node to the clients here that asked for its events and may read it. */
  private async changed(e: EventMap['pep.changed']) {
    const { ctx } = this;
    if (!ctx) return;
    const change: PepChange = e.published
      ? { published: e.published }
      : e.retracted
        ? { retracted: e.retracted }
        : { cleared: e.cleared ?? 'deleted' };
    const owner = await ctx.core.users.get(e.tenantId, e.userId);
    const event = eventOf(addressOf(owner), e.node, change);
    await this.toClients(e, `${e.node}+notify`, e.access, (to) => event.withAttrs({ to }));
  }

  /**
   * `render(to)` to each client here whose caps ask for `feature` and who may read a node of
   * `access` of the owner (`only`: a further condition on the session).
   */
  private async toClients(
    owner: PepOwner,
    feature: string,
    access: PepAccess,
    render: (to: string) => XmlElement,
    only: (session: C2sSession) => boolean = () => true,
  ): Promise<void> {
    const { ctx } = this;
    if (!ctx) return;
    for (const session of ctx.sessions.all()) {
      if (!only(session) || !this.caps.has(session, feature)) continue;
      if (await ctx.core.pep.mayRead(owner, watcherOf(session.user), access))
        session.send(render(formatJid(session.jid)));
    }
  }

  /**
   * A change of a node told to the owner's contacts on other servers who have a presence
   * subscription and may read the node: to their bare JIDs, which their servers deliver to each of
   * their clients (RFC 6121 §8.5.2.1.1: this server does not know which of them asked for the
   * node's events). The node that took the change sends it, once. `access`: the node's access
   * model, when the node is gone already (deleted).
   */
  private async toContactsElsewhere(owner: User, node: string, change: PepChange, access?: PepAccess): Promise<void> {
    const { ctx } = this;
    if (!ctx) return;
    const of = { tenantId: owner.tenantId, userId: owner.id };
    try {
      access ??= (await ctx.core.pep.config(of, node)).access;
      if (access === 'whitelist') return;
      const event = eventOf(addressOf(owner), node, change);
      for (const contact of await ctx.core.roster.items(owner.tenantId, owner.id)) {
        if (contact.subscription !== 'from' && contact.subscription !== 'both') continue;
        const jid = parseJid(contact.jid);
        if (!jid || jid.local === null || (await localUser(ctx.core, jid))) continue; // users here are told by changed()
        const reader = { tenantId: null, userId: null, address: contact.jid };
        if (await ctx.core.pep.mayRead(of, reader, access)) ctx.route(event.withAttrs({ to: contact.jid }));
      }
    } catch (err) {
      ctx.log.warn({ err, user: owner.id, node }, 'PEP change not told to contacts elsewhere');
    }
  }

  /**
   * The newest item of each node the session's client asks for events of, that it may read and
   * whose owner (itself or a colleague) sends it on presence (XEP-0163 §4.3.3).
   */
  private async sendLast(session: C2sSession): Promise<void> {
    const core = this.core;
    const wanted = this.caps.notified(session).filter((node) => !isAvatarNode(node));
    const reader = watcherOf(session.user);
    for (const { userId, node, item } of await core.pep.lastItems({ ...reader, tenantId: session.tenantId }, wanted)) {
      const owner = await core.users.get(session.tenantId, userId);
      session.send(eventOf(addressOf(owner), node, { published: item }).withAttrs({ to: formatJid(session.jid) }));
    }
  }

  /** The new avatar metadata to the owner's and their colleagues' clients here that asked for it. */
  private async avatarChanged(tenantId: string, userId: string): Promise<void> {
    const { ctx, avatars } = this;
    if (!ctx || !avatars) return;
    const owner = await ctx.core.users.get(tenantId, userId);
    const avatar = await avatars.avatarOf(owner);
    const from = addressOf(owner);
    await this.toClients(
      { tenantId, userId },
      AVATAR_NOTIFY,
      'open',
      (to) => metadataEvent(from, to, avatar),
      (session) => session.tenantId === tenantId,
    );
  }
}
