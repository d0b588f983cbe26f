// XMPP in a cluster (issue 15): client sessions on any node. Each node records its bound sessions
// as the core's endpoints (cluster state) and, while it holds a session of a user, takes what the
// other nodes relay for that user. `nodes` is the router's Onward.nodes: a stanza for a served
// account goes to the nodes holding the addressed session (a full JID) or any session of the
// account (a bare JID), never when no other node holds one. A node delivers what it is relayed to
// its own sessions only and never routes it on (no loops); an IQ for a session that is gone
// meanwhile is answered with service-unavailable. A resource bound on two nodes: the newer binding
// wins, the node holding the older one ends it with `conflict`.
// What one node holds at a time (`holdings`): an external component (XEP-0114) connected to a node
// claims its domain in the cluster as an endpoint of its own (its domain in place of a user), and
// a member of another server joined to a room claims their occupancy on the node that took the
// join. A second claim on another node is refused (a component's connection gets `conflict`), and
// what other nodes get for the holding is relayed to its node the same way.
import type { Services } from '../../compose.js';
import { ENDPOINT_TTL_MS, type Relayed } from '../../core/endpoints/service.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../lib/jid.js';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { Logger } from '../../platform/log.js';
import type { Session } from './c2s/session.js';
import { errorReply, StanzaError } from './errors.js';
import {
  type C2sSession,
  ENDPOINT_KIND,
  type Held,
  type Holdings,
  type Onward,
  type Stop,
  type XmppModule,
} from './module.js';
import { localUser } from './modules/local.js';
import { lastPresence } from './modules/presence.js';
import type { Sessions } from './sessions.js';
import type { XmlElement } from './xml/element.js';
import { CLIENT_NS, type ParserLimits, parseFrame } from './xml/parser.js';

/** What one relay carries: a stanza, or a session to end; for the nodes named. */
interface Envelope {
  nodes: string[];
  stanza?: string;
  /** The holding it is for (a relay to a holder of `Holdings`). */
  address?: string;
  /** The id of a session whose resource a newer session took. */
  replaced?: string;
}

/** Delivers what another node relayed here; whether something here took it. */
type Taker = (stanza: XmlElement, to: Jid, envelope: Envelope) => boolean;

export interface ClusterOptions {
  core: Services;
  log: Logger;
  sessions: Sessions;
  limits: ParserLimits;
  /** Delivers to the sessions on this node that `to` names; whether any took it. */
  deliver(stanza: XmlElement, to: Jid): boolean;
  /** Sends a stanza (an error reply) to where its `to` lives. */
  route(stanza: XmlElement): void;
  /** Ends a session of this node whose resource a newer session on another node took. */
  replaced(session: Session): void;
}

/**
 * The cluster's part of the XMPP adapter: `nodes` for the router, a module that keeps the
 * endpoints, and the holdings of each kind (external components, remote members in rooms).
 */
export function xmppCluster(o: ClusterOptions): {
  nodes: Onward['nodes'];
  module: XmppModule;
  holdings(kind: string): Holdings;
} {
  const { endpoints } = o.core;
  /**
   * Per user with sessions here: listening for what other nodes relay to them, and which of their
   * resources on other nodes are available (those were sent this node's resources' presence).
   */
  const listening = new Map<string, { off: Promise<Unsubscribe>; available: Set<string> }>();
  /** What this node holds, by kind and id. */
  const claimed = new Map<string, { kind: string; held: Held; off: Unsubscribe }>();
  // A relay holds a stanza within the stream's limit, escaped once more as JSON.
  const maxData = 2 * o.limits.maxStanzaSize + 1024;

  const send = async (tenantId: string, userId: string, envelope: Envelope, kind = ENDPOINT_KIND) => {
    const data = JSON.stringify(envelope);
    if ((envelope.stanza?.length ?? 0) > o.limits.maxStanzaSize || data.length > maxData) {
      o.log.warn({ size: data.length }, 'XMPP stanza too large to relay to another node');
      return false;
    }
    try {
      await endpoints.relay(tenantId, userId, kind, data);
      return true;
    } catch (err) {
      o.log.warn({ err }, 'XMPP stanza could not be relayed to another node');
      return false;
    }
  };

  /** As a WebSocket frame declares it (RFC 7395 §3.3.3), so that it parses back as it was. */
  const wire = (stanza: XmlElement) => stanza.withAttrs({ xmlns: stanza.attrs.xmlns ?? CLIENT_NS }).toString();

  const relayed = (r: Relayed, deliver: Taker) => {
    if (r.data.length > maxData) return;
    const envelope = JSON.parse(r.data) as Envelope;
    if (!envelope.nodes.includes(endpoints.node)) return;
    if (envelope.replaced !== undefined) {
      for (const s of o.sessions.ofUser(r.tenantId, r.userId)) if (s.id === envelope.replaced) o.replaced(s);
      return;
    }
    const event = parseFrame(envelope.stanza ?? '', o.limits);
    if (event.kind !== 'element') return;
    const stanza = event.element;
    const to = parseJid(stanza.attrs.to ?? '');
    if (!to) return;
    if (stanza.name === 'presence' && r.kind === ENDPOINT_KIND) ownPresence(r, stanza, to);
    if (deliver(stanza, to, envelope)) return;
    // The session went away since the sender looked: an IQ request still gets its answer.
    if (stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set')) {
      o.route(errorReply(stanza, new StanzaError('service-unavailable')));
    }
  };

  /**
   * RFC 6121 §4.2.2: a resource of the user that becomes available on another node gets the
   * presence of their resources here (its node does not know them); its broadcast says so.
   */
  const ownPresence = (r: Relayed, stanza: XmlElement, to: Jid) => {
    const from = parseJid(stanza.attrs.from ?? '');
    const known = listening.get(`${r.tenantId}/${r.userId}`)?.available;
    if (!known || !from || from.resource === null || to.resource !== null || bareJid(from) !== bareJid(to)) return;
    const resource = formatJid(from);
    if (stanza.attrs.type === 'unavailable') known.delete(resource);
    if (stanza.attrs.type !== undefined || known.has(resource)) return;
    known.add(resource);
    for (const s of o.sessions.ofUser(r.tenantId, r.userId)) {
      const last = lastPresence(s);
      if (last) o.route(last.withAttrs({ to: resource }));
    }
  };

  const take =
    (deliver: Taker) =>
    (r: Relayed): void => {
      try {
        relayed(r, deliver);
      } catch (err) {
        o.log.warn({ err }, 'a stanza relayed by another node was refused');
      }
    };

  const listen = async (session: C2sSession) => {
    const key = `${session.tenantId}/${session.user.id}`;
    let on = listening.get(key);
    if (!on) {
      on = { off: endpoints.onRelayed(session.user.id, ENDPOINT_KIND, take(o.deliver)), available: new Set() };
      listening.set(key, on);
    }
    await on.off;
  };

  const endpointOf = (session: C2sSession) => ({
    kind: ENDPOINT_KIND,
    address: formatJid(session.jid),
    id: session.id,
  });

  const module: XmppModule = {
    name: 'cluster',
    start(): Stop {
      // Endpoints expire unless rewritten; NATS may also have lost them while this node was cut off.
      // One that another node's session took meanwhile (its notice was missed) ends with `conflict`.
      const rewrite = () => {
        for (const s of o.sessions.all()) {
          endpoints.refresh(s.tenantId, s.user.id, endpointOf(s)).then(
            (kept) => kept || o.replaced(s),
            (err: unknown) => o.log.warn({ err }, 'XMPP session could not be recorded in the cluster'),
          );
        }
        for (const { kind, held } of claimed.values()) {
          endpoints.refresh(held.tenantId, held.owner, heldEndpoint(kind, held)).then(
            (kept) => kept || held.lost(),
            (err: unknown) => o.log.warn({ err, kind }, 'an XMPP holding could not be recorded in the cluster'),
          );
        }
      };
      const timer = setInterval(rewrite, ENDPOINT_TTL_MS / 4);
      timer.unref();
      const off = o.core.ctx.cluster.onReconnect(rewrite);
      return () => {
        clearInterval(timer);
        off();
      };
    },
    async sessionBound(session) {
      await listen(session);
      const displaced = await endpoints.add(session.tenantId, session.user.id, endpointOf(session));
      const elsewhere = displaced.filter((e) => e.node !== endpoints.node);
      for (const e of elsewhere) {
        await send(session.tenantId, session.user.id, { nodes: [e.node], replaced: e.id });
      }
    },
    async sessionEnded(session) {
      const { tenantId, user } = session;
      if (o.sessions.ofUser(tenantId, user.id).length === 0) {
        const key = `${tenantId}/${user.id}`;
        const on = listening.get(key);
        listening.delete(key);
        (await on?.off)?.();
      }
      // Left behind (the bus is gone, e.g. at shutdown), it ends with this node's membership or expires.
      await endpoints
        .remove(tenantId, user.id, session.id)
        .catch((err: unknown) => o.log.warn({ err }, 'XMPP session could not be removed from the cluster'));
    },
  };

  /** Which other nodes hold `to`'s session (a full JID) or sessions (a bare JID); none when unknown. */
  const holders = async (to: Jid) => {
    const user = await localUser(o.core, to);
    if (!user) return undefined;
    const address = formatJid(to);
    const held = (await endpoints.elsewhere(user.tenantId, user.id, ENDPOINT_KIND)).filter(
      (e) => to.resource === null || e.address === address,
    );
    return held.length > 0 ? { user, nodes: [...new Set(held.map((e) => e.node))] } : undefined;
  };

  const nodes: Onward['nodes'] = async (stanza, to) => {
    const found = await holders(to).catch((err: unknown) => {
      o.log.warn({ err }, "could not learn which nodes hold an XMPP user's sessions");
      return undefined;
    });
    if (!found) return false;
    return send(found.user.tenantId, found.user.id, { nodes: found.nodes, stanza: wire(stanza) });
  };

  const heldEndpoint = (kind: string, h: Held) => ({ kind, address: h.address, id: h.id });

  const holdings = (kind: string): Holdings => ({
    async claim(held) {
      const { tenantId, owner, address } = held;
      // Listening first: once the claim is seen, other nodes relay to this one.
      const off = await endpoints.onRelayed(
        owner,
        kind,
        take((stanza, _to, envelope) => envelope.address !== address || held.send(stanza)),
      );
      const won = await endpoints.claim(tenantId, owner, heldEndpoint(kind, held)).catch((err: unknown) => {
        off();
        throw err;
      });
      if (won) claimed.set(`${kind} ${held.id}`, { kind, held, off });
      else off();
      return won;
    },
    async release({ tenantId, owner, id }) {
      // Listening until the claim is gone: what arrives meanwhile is refused as for a holding gone.
      await endpoints
        .remove(tenantId, owner, id)
        .catch((err: unknown) => o.log.warn({ err, kind }, 'an XMPP holding could not be removed from the cluster'));
      claimed.get(`${kind} ${id}`)?.off();
      claimed.delete(`${kind} ${id}`);
    },
    async relay(tenantId, owner, address, stanza) {
      const held = await endpoints.elsewhere(tenantId, owner, kind).catch((err: unknown) => {
        o.log.warn({ err, kind }, 'could not learn which node holds an XMPP address');
        return [];
      });
      const nodes = [...new Set(held.filter((e) => e.address === address).map((e) => e.node))];
      if (nodes.length === 0) return false;
      return send(tenantId, owner, { nodes, address, stanza: wire(stanza) }, kind);
    },
  });

  return { nodes, module, holdings };
}
