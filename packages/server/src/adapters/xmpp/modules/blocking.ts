// XEP-0191 blocking command over the core's presence blocks: a blocked JID sees the user offline
// (the core's `blocked` relation), gets nothing from them and reaches them with nothing — its
// presence is dropped, its messages and IQs get service-unavailable (§3.4 of the XEP); what the
// user sends to it is refused with not-acceptable and `<blocked/>` (§3.5). A domain the tenant's
// admins block (`core.federation`) is blocked so for every user, and whatever else it sends to the
// tenant's domain or services (disco, MUC) is refused the same way (`admit`). Runs before the other
// modules that take messages and presence. Pushes (§3.2, §3.3) are what changed in the core's blocks
// since a session asked for the list, rendered from the core's `presence.visibility.changed` on every
// node: a change through another node or the web app reaches every session that asked for it.
import { randomUUID } from 'node:crypto';
import { federates } from '../../../core/federation/model.js';
import { addressOf } from '../../../core/users/model.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError } from '../errors.js';
import type { IqHandler, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { localUser } from './local.js';

export const BLOCKING_NS = 'urn:xmpp:blocking';
export const BLOCKING_ERRORS_NS = 'urn:xmpp:blocking:errors';
/** Most JIDs one block or unblock may name. */
const ITEMS_MAX = 500;
/** Per session: the blocked JIDs it knows of, once it asked for the list (§3.1). */
const KEY = 'blocking';

/** Whether the user (tenant, id) blocks `jid` (by bare JID, as the core keeps blocks). */
async function blocks(ctx: ModuleContext, tenantId: string, userId: string, jid: Jid): Promise<boolean> {
  const watcher = { tenantId: null, userId: null, address: bareJid(jid) };
  return (await ctx.core.presence.watchers.relation(tenantId, watcher, userId)) === 'blocked';
}

/**
 * Whether the tenant `to` belongs to (its domain, or a service of it such as `conference.DOMAIN`)
 * blocks the federated domain `from` is of.
 */
async function domainBlocked(ctx: ModuleContext, from: Jid, to: Jid): Promise<boolean> {
  const { tenants, federation } = ctx.core;
  const tenant =
    (await tenants.byDomain(to.domain).catch(() => undefined)) ??
    (await tenants.byDomain(to.domain.slice(to.domain.indexOf('.') + 1)).catch(() => undefined));
  return tenant !== undefined && !federates(await federation.trustOf(tenant.id, from.domain));
}

function jidsOf(payload: XmlElement): string[] {
  const items = payload.elements('item');
  if (items.length > ITEMS_MAX) throw new StanzaError('policy-violation', `at most ${ITEMS_MAX} items`);
  return items.map((i) => {
    const j = parseJid(i.attrs.jid ?? '');
    if (!j) throw new StanzaError('jid-malformed', `not a JID: ${i.attrs.jid ?? ''}`);
    return bareJid(j);
  });
}

export function blockingModule(): XmppModule {
  let ctx: ModuleContext | undefined;
  const context = () => {
    if (!ctx) throw new StanzaError('service-unavailable');
    return ctx;
  };

  // Reading the blocks and comparing them with what sessions know happens one change at a time.
  let queue = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const done = queue.then(fn);
    queue = done.then(
      () => undefined,
      (err) => context().log.warn({ err }, 'blocklist push failed'),
    );
    return done;
  };

  /** The user's sessions here that asked for the blocklist get what changed since (a block and an unblock push). */
  const pushChanges = (tenantId: string, userId: string) =>
    serially(async () => {
      const asked = context()
        .sessions.ofUser(tenantId, userId)
        .filter((s) => s.data.has(KEY));
      if (asked.length === 0) return;
      const now = new Set(await context().core.presence.watchers.blocked(tenantId, userId));
      for (const s of asked) {
        const known = s.data.get(KEY) as Set<string>;
        const push = (name: string, jids: string[]) => {
          if (jids.length === 0) return;
          const payload = x(
            name,
            { xmlns: BLOCKING_NS },
            jids.map((jid) => x('item', { jid })),
          );
          s.send(x('iq', { type: 'set', id: `push-${randomUUID()}`, to: formatJid(s.jid) }, payload));
        };
        push(
          'block',
          [...now].filter((j) => !known.has(j)),
        );
        push(
          'unblock',
          [...known].filter((j) => !now.has(j)),
        );
        s.data.set(KEY, now);
      }
    });

  const get: IqHandler = async ({ session, payload }) => {
    if (!session || !payload.name.endsWith('blocklist')) throw new StanzaError('bad-request');
    const list = await serially(async () => {
      const blocked = await context().core.presence.watchers.blocked(session.tenantId, session.user.id);
      session.data.set(KEY, new Set(blocked));
      return blocked;
    });
    return x(
      'blocklist',
      { xmlns: BLOCKING_NS },
      list.map((jid) => x('item', { jid })),
    );
  };

  const set: IqHandler = async ({ session, payload }) => {
    if (!session) throw new StanzaError('service-unavailable');
    const { watchers } = context().core.presence;
    const { tenantId, user } = session;
    if (payload.name === 'block') {
      const jids = jidsOf(payload);
      if (jids.length === 0) throw new StanzaError('bad-request', 'name the JIDs to block');
      for (const jid of jids) {
        await watchers.block(tenantId, user.id, jid);
        // Someone here learns it through the core (their watch sees the user offline); elsewhere now.
        if (!(await localUser(context().core, parseJid(jid) as Jid))) {
          context().route(x('presence', { from: addressOf(user), to: jid, type: 'unavailable' }));
        }
      }
      return undefined;
    }
    if (payload.name === 'unblock') {
      const named = jidsOf(payload);
      // No item: unblock everyone (§3.3).
      const jids = named.length > 0 ? named : await watchers.blocked(tenantId, user.id);
      for (const jid of jids) await watchers.unblock(tenantId, user.id, jid).catch(() => undefined);
      return undefined;
    }
    throw new StanzaError('bad-request');
  };

  return {
    name: 'blocking',
    features: [BLOCKING_NS],
    iq: { [BLOCKING_NS]: { get, set } },
    start(c): Stop {
      ctx = c;
      return c.core.ctx.bus.subscribe('presence.visibility.changed', async (e) => {
        for (const userId of e.userIds) await pushChanges(e.tenantId, userId);
      });
    },
    /** From a domain the addressed tenant blocks (`core.federation`): nothing of it gets in, IQ handlers included. */
    async admit({ stanza, from, to, session }) {
      const c = context();
      if (session || to === null || !(await domainBlocked(c, from, to))) return true;
      if (stanza.name !== 'presence' && mayReplyWithError(stanza)) {
        c.route(
          errorReply(
            stanza.withAttrs({ from: formatJid(from), to: formatJid(to) }),
            new StanzaError('service-unavailable'),
          ),
        );
      }
      return false;
    },
    async handle({ stanza, from, to, session }) {
      const c = context();
      if (to === null || to.local === null) return false;
      const addressed = stanza.withAttrs({ from: formatJid(from), to: formatJid(to) });
      const reply = (err: StanzaError) => {
        if (!mayReplyWithError(stanza)) return;
        if (session) session.send(errorReply(addressed, err));
        else c.route(errorReply(addressed, err));
      };
      if (session && (await blocks(c, session.tenantId, session.user.id, to))) {
        reply(new StanzaError('not-acceptable', undefined, 'cancel', x('blocked', { xmlns: BLOCKING_ERRORS_NS })));
        return true;
      }
      const user = await localUser(c.core, to);
      if (!user || !(await blocks(c, user.tenantId, user.id, from))) return false;
      if (stanza.name !== 'presence') reply(new StanzaError('service-unavailable'));
      return true;
    },
  };
}
