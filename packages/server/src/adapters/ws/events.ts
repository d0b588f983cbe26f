import { type ClientEvent, eventCloseCodes, eventsPath } from '@parley/api';
import type { WebSocket } from 'ws';
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import type { Principal } from '../../core/sessions/service.js';
import { within } from '../../lib/within.js';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { Config } from '../../platform/config/schema.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Adapter, MountedRequest } from '../adapter.js';
import { bearerToken, checkOrigin, readCookie, SESSION_COOKIE } from '../http/cookies.js';
import { userView } from '../views/users.js';
import { Outbound } from './outbound.js';
import { callSettingsStream } from './streams/call-settings.js';
import { callBackStream } from './streams/callbacks.js';
import { callsStream } from './streams/calls.js';
import { contactsStream } from './streams/contacts.js';
import { identityStream } from './streams/identity.js';
import { journalStream } from './streams/journal.js';
import { messagingStream } from './streams/messaging.js';
import { presenceStream } from './streams/presence.js';
import type { EventStream, StreamContext } from './streams/stream.js';

/** Every capability's stream of events to the socket. */
/** How long a new socket's hello waits for the bus to confirm its subscriptions. */
const HELLO_WAIT_MS = 2000;
const streams: EventStream[] = [
  identityStream,
  contactsStream,
  messagingStream,
  presenceStream,
  callsStream,
  journalStream,
  callSettingsStream,
  callBackStream,
];

/** The node's open event sockets: counted for the cluster view, told to resync, closed on shutdown. */
export class EventSockets {
  private readonly open = new Map<WebSocket, (event: ClientEvent) => void>();
  /** Open sockets per session id, for `http.maxSocketsPerSession`. */
  private readonly perSession = new Map<string, number>();

  get count(): number {
    return this.open.size;
  }

  /** How many event sockets a session holds open on this node. */
  ofSession(sessionId: string): number {
    return this.perSession.get(sessionId) ?? 0;
  }

  add(socket: WebSocket, sessionId: string, send: (event: ClientEvent) => void): void {
    this.open.set(socket, send);
    this.perSession.set(sessionId, this.ofSession(sessionId) + 1);
    socket.once('close', () => {
      this.open.delete(socket);
      const left = this.ofSession(sessionId) - 1;
      if (left > 0) this.perSession.set(sessionId, left);
      else this.perSession.delete(sessionId);
    });
  }

  /** Sends every socket the same event. */
  broadcast(event: ClientEvent): void {
    for (const send of this.open.values()) send(event);
  }

  /** Closes every socket (the clients reconnect, through the load balancer, to another node). */
  closeAll(code: number, reason: string): void {
    for (const socket of this.open.keys()) socket.close(code, reason);
  }
}

interface EventSocketOptions {
  core: Services;
  config: { heartbeatSeconds: number; maxSocketsPerSession: number };
  log: Logger;
  metrics: Metrics;
  sockets: EventSockets;
}

/**
 * `GET /api/v1/events` on the shared HTTP listener: the event WebSocket. Authenticated before the
 * upgrade by a bearer token (`Authorization`), a one-time `?ticket=` or the web app's session
 * cookie (then only from this server's own origin); pushes the core events the user may see as
 * JSON objects with a `type`, a heartbeat every `http.heartbeatSeconds`, and closes with 4401 the
 * moment the session is revoked. `sockets` is the node's registry of them (counted in the cluster
 * view); on shutdown they all close with 1012.
 */
export function eventSocketAdapter(sockets: EventSockets): Adapter<Config['http']> {
  let stopResync: Unsubscribe | undefined;
  return {
    name: 'events',
    config: (config) => config.http,
    start(ctx) {
      const { core } = ctx;
      const options: EventSocketOptions = { core, config: ctx.config, log: ctx.log, metrics: ctx.metrics, sockets };
      ctx.http.websocket(eventsPath, {
        authenticate: (req) => authenticate(core, req),
        accept: (socket, principal) => serve(socket, principal, options),
      });
      // Whatever the sockets were sent while the node was cut off from the bus is lost: they catch up.
      stopResync = core.ctx.cluster.onReconnect(() =>
        sockets.broadcast({ type: 'resync', reason: 'the node reconnected to the cluster bus' }),
      );
    },
    stop() {
      stopResync?.();
      sockets.closeAll(eventCloseCodes.serviceRestart, 'server shutting down');
    },
  };
}

async function authenticate(core: Services, req: MountedRequest): Promise<Principal> {
  const ticket = req.query.ticket;
  const token = bearerToken(req.headers.authorization);
  const cookie = readCookie(req, SESSION_COOKIE);
  if (typeof ticket === 'string' && ticket.length > 0 && ticket.length <= 200) return core.auth.redeemTicket(ticket);
  if (token) return core.auth.authenticate(token);
  if (cookie) {
    checkOrigin(req);
    return core.auth.authenticate(cookie);
  }
  throw new ParleyError('PARLEY_ERR_UNAUTHENTICATED', 'Send a bearer token or a ticket from POST /api/v1/auth/ticket');
}

function serve(socket: WebSocket, principal: Principal, o: EventSocketOptions) {
  const { core } = o;
  const { tenantId, userId } = principal.session;
  const sessionId = principal.session.id;
  const log = o.log.child({ component: 'ws', tenantId, userId, sessionId });
  // Refusing the newest keeps the session's working sockets; a client's leaked ones end with
  // their heartbeat. Closed after the upgrade so that browsers, which see no HTTP status, get a code.
  const max = o.config.maxSocketsPerSession;
  if (o.sockets.ofSession(sessionId) >= max) {
    log.warn({ max }, 'event socket refused: too many for this session');
    socket.close(eventCloseCodes.tooManySockets, `at most ${max} event sockets per session`);
    return;
  }
  const outbound = new Outbound(socket);
  const send = (event: ClientEvent) => outbound.push(event);
  const cleanups: Unsubscribe[] = [];
  let closed = false;
  const revoke = () => {
    send({ type: 'session.revoked', sessionId, current: true });
    outbound.flush();
    socket.close(eventCloseCodes.sessionRevoked, 'session revoked');
  };
  const streamContext: StreamContext = {
    core,
    principal,
    send,
    revoke,
    onClose: (fn) => (closed ? fn() : void cleanups.push(fn)),
  };
  for (const stream of streams) {
    Promise.resolve(stream(streamContext)).catch((err) => log.error({ err }, 'event stream failed to start'));
  }

  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  // Each beat also re-checks the session in the store, which catches revocations made by another
  // process (the CLI) even without a bus event, and counts as use of the session (idle timeout).
  const beat = setInterval(async () => {
    if (!alive) {
      log.info('event socket did not answer a ping; closing');
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
    try {
      await core.auth.check(tenantId, sessionId);
      send({ type: 'heartbeat', at: new Date(core.ctx.clock.now()).toISOString() });
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'PARLEY_ERR_UNAUTHENTICATED') revoke();
      else log.warn({ err }, 'session re-check failed');
    }
  }, o.config.heartbeatSeconds * 1000);

  o.metrics.eventSockets.inc();
  o.sockets.add(socket, sessionId, send);
  socket.on('message', () => {
    // The event socket is server-to-client; clients only answer pings.
  });
  socket.on('close', () => {
    clearInterval(beat);
    closed = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    o.metrics.eventSockets.dec();
  });
  // The hello tells the client to catch up from the store. It waits until the bus has this
  // socket's subscriptions, so what is stored after the client's catch-up arrives live: on NATS a
  // subscription takes effect when the server has read it, and another node may publish sooner.
  const hello = () => {
    if (!closed) {
      send({ type: 'hello', sessionId, user: userView(principal.user), heartbeatSeconds: o.config.heartbeatSeconds });
    }
  };
  // If the bus is down, the client catches up now, and again on the `resync` once it is back.
  within(core.ctx.bus.flush(), HELLO_WAIT_MS, `no answer in ${HELLO_WAIT_MS} ms`)
    .catch((err) => log.warn({ err }, 'bus unreachable while opening an event socket'))
    .finally(hello);
}
