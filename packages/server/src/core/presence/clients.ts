import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import type { PresenceService } from './service.js';

/** A client input lives this long unless its connection refreshes it (a node that dies loses its clients). */
export const CLIENT_TTL_MS = 120_000;
const CLIENT_REFRESH_MS = 40_000;

/** A connected client as one presence input of its user. */
export interface ClientOptions {
  /** A phone or tablet (shows the `mobile` flag). */
  mobile: boolean;
  /** The session the client is connected with, if any (its idle/active reports apply to it). */
  sessionId: string | null;
}

/** A client's input, kept alive until `detach`. */
export interface AttachedClient {
  /** Resolved once the input is added (or its failure logged): idle reports for the session apply to it from then on. */
  readonly ready: Promise<void>;
  /**
   * The client disconnected: its input goes and the user's presence is recomputed (resolved when
   * done; a failure is logged, and the input then expires on its own).
   */
  detach(): Promise<void>;
}

/**
 * Adds a connected client (an event socket, later an XMPP resource or a SIP registration's
 * subscriber) as an input of its user, refreshes it while attached so it outlives its TTL, adds it
 * again if it expired meanwhile (a stalled node), and removes it on `detach`. Failures are logged;
 * an input that could not be removed expires on its own.
 */
export function attachClient(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  o: ClientOptions,
): AttachedClient {
  const clientId = randomUUID();
  // Made when a failure is logged, not kept per client.
  const log = () => ctx.log.child({ component: 'presence-client', tenantId, userId, sessionId: o.sessionId });
  const connected = presence.clientConnected(tenantId, userId, clientId, o).catch((err) => {
    log().warn({ err }, 'could not add the client presence input');
  });
  const refresh = setInterval(() => {
    presence
      .clientAlive(tenantId, userId, clientId)
      .then((alive) => (alive ? undefined : presence.clientConnected(tenantId, userId, clientId, o)))
      .catch((err) => log().warn({ err }, 'could not refresh the client presence input'));
  }, CLIENT_REFRESH_MS);
  refresh.unref();
  let attached = true;
  return {
    ready: connected.then(() => undefined),
    async detach() {
      if (!attached) return;
      attached = false;
      clearInterval(refresh);
      await connected
        .then(() => presence.clientDisconnected(tenantId, userId, clientId))
        .catch((err) => log().warn({ err }, 'could not remove the client presence input'));
    },
  };
}
