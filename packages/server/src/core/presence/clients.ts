import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import type { PresenceService } from './service.js';

/** A client input lives this long unless its connection refreshes it (a node that dies loses its clients). */
export const CLIENT_TTL_MS = 120_000;
/** Each attached client's input is refreshed this long after its last refresh (or its attach). */
const CLIENT_REFRESH_MS = 40_000;
/** How often the refresher looks for clients due. */
const REFRESH_TICK_MS = 1000;

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

/** An attached client as the refresher keeps it. */
interface Held {
  tenantId: string;
  userId: string;
  clientId: string;
  o: ClientOptions;
  /** When its input is to be refreshed next. */
  due: number;
}

/** Clients refreshed in one transaction: a commit per batch, not per client. */
const REFRESH_BATCH = 100;

/**
 * Adds connected clients (event sockets, XMPP resources, later a SIP registration's subscriber)
 * as inputs of their users, refreshes them while attached so they outlive their TTL, adds one
 * again if it expired meanwhile (a stalled node), and removes it on `detach`. One timer looks
 * every second for the clients due and refreshes them in batches of one transaction each, with
 * the connections served between batches: a client costs no timer, and clients that attached over
 * a while are refreshed over a while (10,000 refreshed at once held the event loop for 0.2 s).
 * Failures are logged; an input that could not be removed expires on its own.
 */
export class PresenceClients {
  /** In the order they are due: an attached or refreshed client goes to the end. */
  private readonly held = new Set<Held>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly presence: PresenceService,
  ) {}

  attach(tenantId: string, userId: string, o: ClientOptions): AttachedClient {
    const h: Held = { tenantId, userId, clientId: randomUUID(), o, due: this.ctx.clock.now() + CLIENT_REFRESH_MS };
    const connected = this.presence.clientConnected(tenantId, userId, h.clientId, o).catch((err) => {
      this.log(h).warn({ err }, 'could not add the client presence input');
    });
    this.held.add(h);
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), REFRESH_TICK_MS);
      this.timer.unref();
    }
    const clients = this;
    return {
      ready: connected.then(() => undefined),
      // A method: an arrow function would carry its own `name` property per client under tsx.
      async detach() {
        if (!clients.held.delete(h)) return;
        if (clients.held.size === 0) {
          clearInterval(clients.timer);
          clients.timer = undefined;
        }
        await connected
          .then(() => clients.presence.clientDisconnected(tenantId, userId, h.clientId))
          .catch((err) => clients.log(h).warn({ err }, 'could not remove the client presence input'));
      },
    };
  }

  /** Moves the expiry of each client due on; one that had expired already is added again. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const due: Held[] = [];
      const now = this.ctx.clock.now();
      for (const h of this.held) {
        if (h.due > now) break;
        due.push(h);
      }
      for (let i = 0; i < due.length; i += REFRESH_BATCH) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        await this.refreshBatch(due.slice(i, i + REFRESH_BATCH).filter((h) => this.held.has(h)));
      }
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshBatch(batch: Held[]): Promise<void> {
    const now = this.ctx.clock.now();
    for (const h of batch) {
      this.held.delete(h);
      h.due = now + CLIENT_REFRESH_MS;
      this.held.add(h);
    }
    const gone = await this.ctx.store
      .transaction(async (r) => {
        const expired: Held[] = [];
        for (const h of batch) {
          const alive = await r.presence.touchInput(
            h.tenantId,
            h.userId,
            'client',
            h.clientId,
            now + CLIENT_TTL_MS,
            now,
          );
          if (!alive) expired.push(h);
        }
        return expired;
      })
      .catch((err) => {
        this.ctx.log.warn({ err, clients: batch.length }, 'could not refresh client presence inputs');
        return [];
      });
    // Detached meanwhile: not added again.
    for (const h of gone.filter((g) => this.held.has(g))) {
      await this.presence
        .clientConnected(h.tenantId, h.userId, h.clientId, h.o)
        .catch((err) => this.log(h).warn({ err }, 'could not add the client presence input again'));
    }
  }

  /** A client's logger, made when a failure is logged (not kept per client). */
  private log(h: Held) {
    return this.ctx.log.child({
      component: 'presence-client',
      tenantId: h.tenantId,
      userId: h.userId,
      sessionId: h.o.sessionId,
    });
  }
}
