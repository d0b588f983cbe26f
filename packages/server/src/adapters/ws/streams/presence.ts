import { randomUUID } from 'node:crypto';
import type { ClientEvent } from '@parley/api';
import { type Presence, samePresence } from '../../../core/presence/aggregate.js';
import { CLIENT_REFRESH_MS } from '../../../core/presence/service.js';
import { presenceState } from '../../../core/presence/view.js';
import { type Relation, visibleTo, watcherOf } from '../../../core/presence/watchers.js';
import { addressOf } from '../../../core/users/model.js';
import type { EventStream } from './stream.js';

const mobileAgent = /\b(Mobile|Android|iPhone|iPad)\b/i;

type View = { visible: Presence; event: ClientEvent };
/**
 * One view per published presence value and relation, shared by every socket that watches it, so
 * a change fanned out to a tenant is filtered and serialised once per relation, not per socket.
 */
const views = new WeakMap<Presence, Map<Relation, View>>();

function viewOf(presence: Presence, relation: Relation, address: string): View {
  let byRelation = views.get(presence);
  if (!byRelation) {
    byRelation = new Map();
    views.set(presence, byRelation);
  }
  let view = byRelation.get(relation);
  if (!view) {
    const visible = visibleTo(presence, relation);
    view = { visible, event: { type: 'presence.changed', user: address, presence: presenceState(visible) } };
    byRelation.set(relation, view);
  }
  return view;
}

/**
 * Presence on the event socket. The socket is a client input of its user (added on connect, kept
 * alive while open, removed on close). It gets `presence.changed` for every user of the tenant
 * whose presence, as this watcher may see it, really changed since what it last got.
 */
export const presenceStream: EventStream = ({ core, principal, send, onClose }) => {
  const p = core.presence;
  const { tenantId, userId, id: sessionId, userAgent } = principal.session;
  const log = core.ctx.log.child({ component: 'ws-presence', tenantId, userId, sessionId });
  const watcher = watcherOf(principal.user);
  const clientId = randomUUID();
  const lastSent = new Map<string, Presence>();

  /** `previous` null: the watcher's relation changed, so what it saw before is unknown. */
  const deliver = async (targetId: string, address: string, presence: Presence, previous: Presence | null) => {
    const relation = await p.watchers.relation(tenantId, watcher, targetId);
    const { visible, event } = viewOf(presence, relation, address);
    const before = lastSent.get(targetId) ?? (previous && visibleTo(previous, relation));
    if (before && samePresence(before, visible)) return;
    lastSent.set(targetId, visible);
    send(event);
  };

  const bus = core.ctx.bus;
  onClose(bus.subscribe('presence.changed', (e) => deliver(e.userId, e.user, e.presence, e.previous), { tenantId }));
  onClose(
    bus.subscribe(
      'presence.visibility.changed',
      async (e) => {
        if (!e.watchers.includes(watcher.address)) return;
        for (const target of e.userIds) {
          if (target === userId) continue;
          const u = await core.ctx.store.repos.users.get(tenantId, target);
          if (!u) continue;
          await deliver(target, addressOf(u), await p.get(tenantId, target), null);
        }
      },
      { tenantId },
    ),
  );

  const mobile = userAgent !== null && mobileAgent.test(userAgent);
  const connected = p.clientConnected(tenantId, userId, clientId, { mobile, sessionId }).catch((err) => {
    log.warn({ err }, 'could not add the client presence input');
  });
  const refresh = setInterval(() => {
    p.clientAlive(tenantId, userId, clientId)
      .then((alive) => (alive ? undefined : p.clientConnected(tenantId, userId, clientId, { mobile, sessionId })))
      .catch((err) => log.warn({ err }, 'could not refresh the client presence input'));
  }, CLIENT_REFRESH_MS);
  refresh.unref();
  onClose(() => {
    clearInterval(refresh);
    void connected
      .then(() => p.clientDisconnected(tenantId, userId, clientId))
      .catch((err) => log.warn({ err }, 'could not remove the client presence input'));
  });
};
