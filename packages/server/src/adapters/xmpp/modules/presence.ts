// Presence (RFC 6121 §4) over the core's computed presence (DESIGN §6).
//
// In: a session's own `<presence/>` is a client input of its user. Its initial presence attaches
// the client (`attachClient`, detached on unavailable or when the session ends); `<show>away</show>`,
// `<show>xa</show>` or an XEP-0319 `<idle/>` mark that client idle (an input: the core decides
// what the user then is); `<show>dnd</show>` is the user's own choice, so it becomes their manual
// do-not-disturb (keeping their note and context) and a later show without dnd from the same session
// clears it again if it is still theirs. A client's status text is not taken as the user's note:
// clients send it with every presence and would overwrite what the user set in the web app.
//
// Out: every contact's presence is the core's value as this watcher may see it (`watch`, relation
// per `watchers.ts`), rendered in the session's language (`presence-render.ts`), from the
// contact's bare JID. Colleagues come from the core's watch; personal contacts here are read from
// the core; personal contacts elsewhere are what this node last received from them
// (`presence-remote.ts`), else probed (their server answers). A user's own resources see each
// other's client presence (§4.2.2). Personal contacts with a subscription from the user, here or
// on another server, get the user's computed presence as they may see it (a federated domain's
// trust level, `core/federation`) when that changes, sent once by the node holding a lease.
// Probes are answered the same way (§4.3.2).
import type { AttachedClient } from '../../../core/presence/clients.js';
import type { PresenceWatch } from '../../../core/presence/watch.js';
import { watcherOf } from '../../../core/presence/watchers.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../../lib/jid.js';
import type { C2sSession, Inbound, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { localUser, watcherFor } from './local.js';
import { RemotePresence } from './presence-remote.js';
import { IDLE_NS, renderPresence, XMPP_TIME_ZONE } from './presence-render.js';
import { rosterOf } from './roster-items.js';
import { isSubscription, presenceTo, sees, sendPresence } from './subscriptions.js';

interface PresenceState {
  client: AttachedClient | null;
  watch: PresenceWatch | null;
  /** The client's last available presence, for the user's other resources. */
  last: XmlElement | null;
  idle: boolean;
  /** This session set the user's manual do-not-disturb. */
  dnd: boolean;
  /** The contacts' presence stanzas on their way, in order. */
  sending: Promise<void>;
}

/** A contact whose presence a session gets: their bare JID and user. */
interface Contact {
  jid: string;
  tenantId: string;
  userId: string;
}

const KEY = 'presence';

function stateOf(session: C2sSession): PresenceState {
  let s = session.data.get(KEY) as PresenceState | undefined;
  if (!s) {
    s = { client: null, watch: null, last: null, idle: false, dnd: false, sending: Promise.resolve() };
    session.data.set(KEY, s);
  }
  return s;
}

/** The node that tells subscribers of a user of their presence changes. */
/** A colleague seen through a watch, as `render` takes a contact (a function here, not a closure per session). */
const colleague = (seen: { user: string; userId: string }, tenantId: string) => ({
  ...seen,
  jid: seen.user,
  tenantId,
});

const SUBSCRIBERS_LEASE = 'xmpp-presence-subscribers';

/** The session's last available presence (to its user's bare JID), if it is available. */
export const lastPresence = (session: C2sSession): XmlElement | null => stateOf(session).last;

export function presenceModule(): XmppModule {
  let ctx: ModuleContext | undefined;
  const remote = new RemotePresence();
  const context = (): ModuleContext => {
    if (!ctx) throw new Error('the presence module is not started');
    return ctx;
  };

  /** A contact's presence for the session, with their avatar's hash (XEP-0153). */
  const render = async (session: C2sSession, contact: Contact, p: Parameters<typeof renderPresence>[0]) =>
    renderPresence(p, {
      from: contact.jid,
      to: formatJid(session.jid),
      lang: session.lang,
      timeZone: XMPP_TIME_ZONE,
      now: context().core.ctx.clock.now(),
      photo: await context().core.avatars.hash(contact.tenantId, contact.userId),
    });
  /** Sends in the order asked, though each waits for its avatar hash. */
  const send = (session: C2sSession, stanza: Promise<XmlElement>) => {
    const state = stateOf(session);
    state.sending = state.sending
      .then(() => stanza)
      .then(
        (s) => session.send(s),
        () => undefined,
      );
    return state.sending;
  };

  /** Initial presence: the session is a client input now and gets every contact's presence. */
  async function start(session: C2sSession, state: PresenceState): Promise<void> {
    const { core } = context();
    const { user } = session;
    state.client = core.presence.attachClient(user.tenantId, user.id, { mobile: false, sessionId: session.id });
    state.watch = core.presence.watch(user.tenantId, watcherOf(user), (seen) => {
      if (seen.userId !== user.id && state.watch)
        void send(session, render(session, colleague(seen, user.tenantId), seen.presence));
    });
    const roster = await rosterOf(core, user, session.lang);
    const shared = roster.filter((e) => e.shared).map((e) => e.jid);
    for (const seen of await state.watch.snapshot(shared)) {
      if (seen && seen.presence.availability !== 'offline')
        await send(session, render(session, colleague(seen, user.tenantId), seen.presence));
    }
    for (const e of roster) {
      if (e.shared || !sees(e.subscription, 'to')) continue;
      const jid = parseJid(e.jid) as Jid;
      const contact = await localUser(core, jid);
      if (!contact) {
        const known = remote.of(user.tenantId, user.id, e.jid);
        for (const p of known) session.send(p.withAttrs({ to: formatJid(session.jid) }));
        if (known.length === 0) context().route(x('presence', { from: addressOf(user), to: e.jid, type: 'probe' }));
        continue;
      }
      const p = await core.presence.view(contact.tenantId, contact.id, watcherOf(user));
      const whom = { jid: e.jid, tenantId: contact.tenantId, userId: contact.id };
      if (p.availability !== 'offline') await send(session, render(session, whom, p));
    }
    for (const other of context().sessions.ofUser(user.tenantId, user.id)) {
      const last = other !== session ? lastPresence(other) : null;
      if (last) session.send(last.withAttrs({ from: formatJid(other.jid), to: formatJid(session.jid) }));
    }
  }

  /** The client's show as inputs: idle for away/xa/<idle/>, the manual do-not-disturb for dnd. */
  async function inputs(session: C2sSession, state: PresenceState, stanza: XmlElement): Promise<void> {
    const { core } = context();
    const { tenantId, user } = session;
    const show = stanza.childText('show')?.trim();
    const idle = show === 'away' || show === 'xa' || stanza.child('idle', IDLE_NS) !== undefined;
    await state.client?.ready;
    if (idle !== state.idle) {
      state.idle = idle;
      await core.presence.setActivity(tenantId, user.id, session.id, idle);
    }
    const dnd = show === 'dnd';
    if (dnd === state.dnd) return;
    const manual = await core.presence.manual(tenantId, user.id);
    state.dnd = dnd;
    if (!dnd && manual?.availability !== 'dnd') return;
    await core.presence.setManual(tenantId, user.id, {
      availability: dnd ? 'dnd' : null,
      note: manual?.note ?? null,
      context: manual?.context ?? null,
    });
  }

  /** Unavailable or gone: the client input goes, the watch ends, the user's other resources learn it. */
  async function stop(session: C2sSession, state: PresenceState): Promise<void> {
    state.watch?.close();
    state.watch = null;
    const client = state.client;
    state.client = null;
    state.last = null;
    state.idle = false;
    await client?.detach();
    context().route(x('presence', { from: formatJid(session.jid), to: addressOf(session.user), type: 'unavailable' }));
  }

  async function own(session: C2sSession, stanza: XmlElement): Promise<void> {
    const state = stateOf(session);
    const type = stanza.attrs.type;
    const from = formatJid(session.jid);
    const bare = addressOf(session.user);
    if (type === 'unavailable') {
      if (!state.client) return;
      await stop(session, state);
      return;
    }
    if (type !== undefined) return;
    const first = state.client === null;
    if (first) await start(session, state);
    state.last = stanza.withAttrs({ from, to: bare, type: undefined });
    context().route(state.last);
    await inputs(session, state, stanza);
  }

  /** A probe of `user` by `from`: answered when `from` may see them (a colleague, a subscription from the user). */
  async function probed(user: User, from: Jid, reply: (p: XmlElement) => void): Promise<void> {
    const { core } = context();
    const prober = await localUser(core, from);
    if (prober?.tenantId !== user.tenantId) {
      const item = await core.roster.get(user.tenantId, user.id, bareJid(from));
      if (!sees(item.subscription, 'from')) return;
    }
    if (prober) {
      const p = await core.presence.view(user.tenantId, user.id, watcherOf(prober));
      reply(
        await presenceTo(
          context(),
          { tenantId: user.tenantId, userId: user.id, user: addressOf(user) },
          bareJid(from),
          p,
        ),
      );
      return;
    }
    await sendPresence(context(), user, from);
  }

  async function handle(inbound: Inbound): Promise<boolean> {
    const { stanza, session, to, from } = inbound;
    const type = stanza.attrs.type;
    if (stanza.name !== 'presence' || isSubscription(type) || type === 'error') return false;
    if (session && to === null) {
      await own(session, stanza);
      return true;
    }
    if (to === null) return false;
    const user = await localUser(context().core, to);
    if (type === 'probe') {
      if (user)
        await probed(user, from, (p) =>
          session ? session.send(p.withAttrs({ to: formatJid(from) })) : context().route(p),
        );
      else if (session)
        context().route(x('presence', { from: addressOf(session.user), to: bareJid(to), type: 'probe' }));
      return true;
    }
    if (session || !user) {
      // Directed presence (§4.6) to anyone, or presence from elsewhere to no one here.
      if (session) context().route(stanza.withAttrs({ from: formatJid(from) }));
      return true;
    }
    // A contact elsewhere: delivered when the user is subscribed to them, and remembered for
    // the user's later sessions while they have one here (an unavailable always, as it may follow
    // the end of the subscription).
    const item = await context().core.roster.get(user.tenantId, user.id, bareJid(from));
    const subscribed = sees(item.subscription, 'to');
    const here = context().sessions.ofUser(user.tenantId, user.id).length > 0;
    if (here && (subscribed || type === 'unavailable')) {
      remote.received(user.tenantId, user.id, from, stanza.withAttrs({ from: formatJid(from), to: addressOf(user) }));
    }
    if (subscribed) context().route(stanza.withAttrs({ from: formatJid(from) }));
    return true;
  }

  return {
    name: 'presence',
    features: [IDLE_NS],
    start(c): Stop {
      ctx = c;
      const { cluster, bus } = c.core.ctx;
      cluster.want(SUBSCRIBERS_LEASE);
      /** The user's presence now to every personal contact with a subscription from them (the lease holder sends). */
      const toSubscribers = async (e: { tenantId: string; userId: string }) => {
        const user = await c.core.users.lookup(e.tenantId, e.userId);
        if (!user) return;
        for (const item of await c.core.roster.items(e.tenantId, e.userId)) {
          if (sees(item.subscription, 'from')) await sendPresence(c, user, parseJid(item.jid) as Jid);
        }
      };
      // One node (the lease's holder) tells each personal contact with a subscription from the user,
      // here or elsewhere, what they see of the change, once per bare JID; nothing when it looks as before.
      const offs = [
        bus.subscribe('presence.changed', async (e) => {
          if (!cluster.holds(SUBSCRIBERS_LEASE)) return;
          for (const item of await c.core.roster.items(e.tenantId, e.userId)) {
            if (!sees(item.subscription, 'from')) continue;
            const seen = await c.core.presence.viewChange(e, await watcherFor(c.core, parseJid(item.jid) as Jid));
            if (seen) c.route(await presenceTo(c, e, item.jid, seen));
          }
        }),
        // The tenant trusts a domain more or less now: its subscribers get what they may see now.
        bus.subscribe('federation.changed', async (e) => {
          if (!cluster.holds(SUBSCRIBERS_LEASE)) return;
          for (const s of await c.core.roster.subscribers(e.tenantId)) {
            const jid = parseJid(s.jid) as Jid;
            const user = await c.core.users.lookup(e.tenantId, s.userId);
            if (user && !(await localUser(c.core, jid))) await sendPresence(c, user, jid);
          }
        }),
        // XEP-0153: a new avatar is a new hash in the user's presence, to colleagues here and subscribers.
        bus.subscribe('avatar.changed', async (e) => {
          const contact = {
            tenantId: e.tenantId,
            userId: e.userId,
            jid: addressOf(await c.core.users.get(e.tenantId, e.userId)),
          };
          for (const session of c.sessions.all()) {
            const { user } = session;
            if (user.tenantId !== e.tenantId || user.id === e.userId || !stateOf(session).watch) continue;
            const p = await c.core.presence.view(e.tenantId, e.userId, watcherOf(user));
            if (p.availability !== 'offline') await send(session, render(session, contact, p));
          }
          if (cluster.holds(SUBSCRIBERS_LEASE)) await toSubscribers(e);
        }),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
    handle,
    async sessionEnded(session) {
      const others = context().sessions.ofUser(session.tenantId, session.user.id);
      if (others.every((s) => s === session)) remote.forget(session.tenantId, session.user.id);
      const state = stateOf(session);
      if (!state.client) return;
      await stop(session, state);
      context().route(
        x('presence', { from: formatJid(session.jid), to: addressOf(session.user), type: 'unavailable' }),
      );
    },
  };
}
