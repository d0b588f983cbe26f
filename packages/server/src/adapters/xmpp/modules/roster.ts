// The roster (RFC 6121 §2): get with versioning (§2.6), set and remove, pushes to every resource
// that asked for it. Colleagues are shared items from the core (`roster-items.ts`): a client may
// not change or remove them (`not-allowed`: they follow the company directory). Pushes are diffs
// of what each session was last sent, so any change (a personal contact, favourites, a colleague
// added, renamed or removed, a team) reaches it the same way.
import { randomUUID } from 'node:crypto';
import { bareJid, formatJid, parseJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { C2sSession, IqHandler, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { itemElement, ROSTER_NS, removedItem, rendered, rosterOf, versionOf } from './roster-items.js';
import { deliver } from './subscriptions.js';

/** Per session: what it was last sent (null until it asks for the roster) and its pending refresh. */
interface RosterState {
  sent: Map<string, string> | null;
  shared: Set<string>;
  queue: Promise<void>;
}

const KEY = 'roster';

function stateOf(session: C2sSession): RosterState {
  let s = session.data.get(KEY) as RosterState | undefined;
  if (!s) {
    s = { sent: null, shared: new Set(), queue: Promise.resolve() };
    session.data.set(KEY, s);
  }
  return s;
}

const query = (ver: string, ...items: XmlElement[]) => x('query', { xmlns: ROSTER_NS, ver }, items);

const refused = () =>
  new StanzaError('not-allowed', 'colleagues are shared contacts from the company directory and cannot be changed');

export function rosterModule(): XmppModule {
  let ctx: ModuleContext | undefined;
  const context = () => {
    if (!ctx) throw new StanzaError('service-unavailable');
    return ctx;
  };

  /** Reads the roster of the session's user: items rendered by JID and the shared JIDs. */
  const read = async (session: C2sSession) => {
    const entries = await rosterOf(context().core, session.user, session.lang);
    return { entries, items: rendered(entries), shared: new Set(entries.filter((e) => e.shared).map((e) => e.jid)) };
  };

  /** Pushes what changed since the session was last sent its roster (one push per item, §2.1.6). */
  const refresh = (session: C2sSession) => {
    const state = stateOf(session);
    state.queue = state.queue
      .then(async () => {
        const sent = state.sent;
        if (!sent) return;
        const { entries, items, shared } = await read(session);
        state.shared = shared;
        const pushes: XmlElement[] = [];
        for (const jid of [...sent.keys()]) {
          if (items.has(jid)) continue;
          sent.delete(jid);
          pushes.push(query(versionOf(sent), removedItem(jid)));
        }
        for (const e of entries) {
          const now = items.get(e.jid) as string;
          if (sent.get(e.jid) === now) continue;
          sent.set(e.jid, now);
          pushes.push(query(versionOf(sent), itemElement(e)));
        }
        for (const q of pushes)
          session.send(x('iq', { type: 'set', id: `push-${randomUUID()}`, to: formatJid(session.jid) }, q));
      })
      .catch((err) => context().log.warn({ err, session: session.id }, 'roster push failed'));
    return state.queue;
  };

  const refreshUser = (tenantId: string, userId: string) => {
    for (const s of context().sessions.ofUser(tenantId, userId)) void refresh(s);
  };
  const refreshTenant = (tenantId: string) => {
    for (const s of context().sessions.all()) if (s.tenantId === tenantId) void refresh(s);
  };

  const get: IqHandler = async ({ session, payload }) => {
    if (!session) throw new StanzaError('service-unavailable');
    const state = stateOf(session);
    const { entries, items, shared } = await read(session);
    state.sent = items;
    state.shared = shared;
    const ver = versionOf(items);
    // §2.6.3: the client's copy is current, an empty result and nothing else.
    if (payload.attrs.ver === ver) return undefined;
    return query(ver, ...entries.map(itemElement));
  };

  const set: IqHandler = async ({ session, payload }) => {
    if (!session) throw new StanzaError('service-unavailable');
    const items = payload.elements('item');
    const [item] = items;
    if (!item || items.length !== 1) throw new StanzaError('bad-request', 'a roster set has exactly one item');
    const jid = parseJid(item.attrs.jid ?? '');
    if (!jid || jid.resource !== null) throw new StanzaError('bad-request', 'the item needs a bare JID');
    const target = bareJid(jid);
    const { user } = session;
    const state = stateOf(session);
    if (state.sent === null) state.shared = (await read(session)).shared;
    if (state.shared.has(target)) throw refused();
    if (item.attrs.subscription === 'remove') {
      const before = await context().core.roster.remove(user.tenantId, user.id, target);
      // §2.5.2: the contact learns that both directions are over.
      if (before.subscription === 'to' || before.subscription === 'both' || before.pendingOut) {
        await deliver(context(), user, jid, 'unsubscribe');
      }
      if (before.subscription === 'from' || before.subscription === 'both' || before.pendingIn) {
        await deliver(context(), user, jid, 'unsubscribed');
      }
      return undefined;
    }
    const groups = item.elements('group').map((g) => g.text());
    if (groups.some((g) => g.trim() === '')) throw new StanzaError('not-acceptable', 'a group needs a name');
    if (new Set(groups).size !== groups.length) throw new StanzaError('bad-request', 'a group is named twice');
    await context().core.roster.set(user.tenantId, user.id, target, { name: item.attrs.name ?? null, groups });
    return undefined;
  };

  return {
    name: 'roster',
    features: [ROSTER_NS],
    streamFeatures: () => [x('ver', { xmlns: 'urn:xmpp:features:rosterver' })],
    iq: { [ROSTER_NS]: { get, set } },
    start(c): Stop {
      ctx = c;
      const bus = c.core.ctx.bus;
      const user = (e: { tenantId: string; userId: string }) => refreshUser(e.tenantId, e.userId);
      const tenant = (e: { tenantId: string }) => refreshTenant(e.tenantId);
      const stops = [
        bus.subscribe('roster.updated', user),
        bus.subscribe('favourites.updated', user),
        bus.subscribe('user.created', tenant),
        bus.subscribe('user.updated', tenant),
        bus.subscribe('user.deleted', tenant),
        bus.subscribe('tenant.updated', tenant),
        bus.subscribe('presence.visibility.changed', tenant),
      ];
      return () => {
        for (const s of stops) s();
      };
    },
  };
}
