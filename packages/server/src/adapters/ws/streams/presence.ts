import type { ClientEvent } from '@parley/api';
import type { PresenceSeen } from '../../../core/presence/watch.js';
import { watcherOf } from '../../../core/presence/watchers.js';
import { presenceState } from '../../views/presence.js';
import type { EventStream } from './stream.js';

const mobileAgent = /\b(Mobile|Android|iPhone|iPad)\b/i;

/**
 * The event of a change as the core hands it: one object per published value and relation, shared
 * by every socket watching it, so the event is built and serialised once per relation, not per socket.
 */
const events = new WeakMap<PresenceSeen, ClientEvent>();

function eventOf(seen: PresenceSeen): ClientEvent {
  let event = events.get(seen);
  if (!event) {
    event = { type: 'presence.changed', user: seen.user, presence: presenceState(seen.presence) };
    events.set(seen, event);
  }
  return event;
}

/**
 * Presence on the event socket. The socket is a client input of its user while it is open, and
 * gets `presence.changed` for every user of the tenant whose presence, as this watcher may see it,
 * really changed since what it last got (`core/presence/watch.ts`).
 */
export const presenceStream: EventStream = ({ core, principal, send, onClose }) => {
  const { tenantId, userId, id: sessionId, userAgent } = principal.session;
  const watching = core.presence.watch(tenantId, watcherOf(principal.user), (seen) => send(eventOf(seen)));
  onClose(() => watching.close());
  const mobile = userAgent !== null && mobileAgent.test(userAgent);
  const client = core.presence.attachClient(tenantId, userId, { mobile, sessionId });
  onClose(() => void client.detach());
};
