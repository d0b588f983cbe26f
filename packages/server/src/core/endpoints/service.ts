// Where each user's connected clients are bound in the cluster (an XMPP resource on node A, another
// on node B), and a relay to the nodes that hold them. Like SIP registrations this is cluster state
// (DESIGN §2): only the sockets are local, so a node asks here whether another node holds a client
// of a user and hands it something for that client over the bus. The core does not read what is
// relayed: each protocol adapter renders it (XMPP: a stanza). An address only one client may hold
// in the whole cluster (an XMPP external component's domain, keyed in place of a user) is claimed.
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { SharedMap } from '../../platform/cluster/cluster.js';
import type { CoreContext } from '../context.js';

/** An entry lives this long after its user's last write; a node rewrites its own ones well before. */
export const ENDPOINT_TTL_MS = 6 * 3_600_000;
/** How long the list of live nodes is reused before it is read again. */
const LIVE_NODES_MS = 2000;

/** One connected client of a user, as the node holding its connection put it. */
export interface Endpoint {
  /** The protocol (`xmpp`); the service does not read it. */
  kind: string;
  /** Its address within the user's account (an XMPP full JID); one address, one endpoint. */
  address: string;
  /** Unique per connection (e.g. the stream id). */
  id: string;
  /** The node instance holding its connection. */
  node: string;
}

/** Something for a user's clients on other nodes, as the bus carries it. */
export interface Relayed {
  tenantId: string;
  userId: string;
  kind: string;
  /** The node instance that relayed it (it does not take its own). */
  node: string;
  /** In the protocol's own terms (an XMPP stanza …), bounded by the adapter. */
  data: string;
}

export class EndpointService {
  private readonly map: SharedMap<Endpoint[]>;
  private live: { at: number; nodes: Promise<Set<string> | undefined> } | undefined;

  constructor(private readonly ctx: CoreContext) {
    this.map = ctx.cluster.shared<Endpoint[]>('endpoints', ENDPOINT_TTL_MS);
  }

  /** This node's instance. */
  get node(): string {
    return this.ctx.cluster.instance;
  }

  /**
   * Records a client bound on this node. Another endpoint at the same address is displaced, the
   * newer binding wins (RFC 6120 §7.7.2.2): returns the displaced ones, for the nodes that hold
   * them to close.
   */
  async add(tenantId: string, userId: string, e: Omit<Endpoint, 'node'>): Promise<Endpoint[]> {
    const mine: Endpoint = { ...e, node: this.node };
    let displaced: Endpoint[] = [];
    await this.map.update(keyOf(tenantId, userId), (current = []) => {
      const same = (o: Endpoint) => o.kind === e.kind && o.address === e.address && o.id !== e.id;
      displaced = current.filter(same);
      return [...current.filter((o) => o.id !== e.id && !same(o)), mine];
    });
    return displaced;
  }

  /**
   * Records a client at an address that one client holds in the whole cluster (an XMPP external
   * component's domain): the first one keeps it. Refused (false, nothing written) while a client of
   * another node holds it and that node is alive, or the cluster cannot tell; an older one of this
   * node (left behind) is replaced.
   */
  async claim(tenantId: string, userId: string, e: Omit<Endpoint, 'node'>): Promise<boolean> {
    const live = await this.liveNodes();
    let claimed = false;
    await this.map.update(keyOf(tenantId, userId), (current = []) => {
      const same = (o: Endpoint) => o.kind === e.kind && o.address === e.address && o.id !== e.id;
      claimed = !current.some((o) => same(o) && o.node !== this.node && (live?.has(o.node) ?? true));
      return claimed ? [...current.filter((o) => o.id !== e.id && !same(o)), { ...e, node: this.node }] : current;
    });
    return claimed;
  }

  /**
   * Writes a client bound on this node again (entries expire, and NATS may have lost them while
   * this node was cut off); false when another endpoint took its address meanwhile (nothing is
   * written then: the caller's client lost it).
   */
  async refresh(tenantId: string, userId: string, e: Omit<Endpoint, 'node'>): Promise<boolean> {
    let kept = true;
    await this.map.update(keyOf(tenantId, userId), (current = []) => {
      kept = !current.some((o) => o.kind === e.kind && o.address === e.address && o.id !== e.id);
      return kept ? [...current.filter((o) => o.id !== e.id), { ...e, node: this.node }] : current;
    });
    return kept;
  }

  /** The client with this id is gone. */
  async remove(tenantId: string, userId: string, id: string): Promise<void> {
    await this.map.update(keyOf(tenantId, userId), (current = []) => {
      const left = current.filter((o) => o.id !== id);
      return left.length > 0 ? left : undefined;
    });
  }

  /** The user's endpoints on other nodes that are alive (this node's own are its sockets). */
  async elsewhere(tenantId: string, userId: string, kind: string): Promise<Endpoint[]> {
    const others = ((await this.map.get(keyOf(tenantId, userId))) ?? []).filter(
      (e) => e.kind === kind && e.node !== this.node,
    );
    if (others.length === 0) return others;
    const live = await this.liveNodes();
    return live ? others.filter((e) => live.has(e.node)) : others;
  }

  /** Hands `data` to the nodes holding the user's clients (those that listen with `onRelayed`). */
  relay(tenantId: string, userId: string, kind: string, data: string): Promise<void> {
    return this.ctx.bus.publish('endpoints.relayed', { tenantId, userId, kind, node: this.node, data });
  }

  /**
   * Takes what other nodes relay for the user's clients of `kind` (a node listens while it holds
   * one); resolves once listening is in effect in the cluster.
   */
  async onRelayed(userId: string, kind: string, fn: (r: Relayed) => void): Promise<Unsubscribe> {
    const off = this.ctx.bus.subscribe(
      'endpoints.relayed',
      (r) => {
        if (r.kind === kind && r.node !== this.node) fn(r);
      },
      { userId },
    );
    await this.ctx.bus.flush();
    return off;
  }

  /** The live node instances (read at most every 2 s); undefined while the cluster cannot tell. */
  private liveNodes(): Promise<Set<string> | undefined> {
    const now = this.ctx.clock.now();
    if (!this.live || now - this.live.at > LIVE_NODES_MS) {
      const nodes = this.ctx.cluster.liveInstances().then((l) => (l ? new Set(l) : undefined));
      this.live = { at: now, nodes };
      nodes.catch(() => {
        if (this.live?.nodes === nodes) this.live = undefined;
      });
    }
    return this.live.nodes;
  }
}

const keyOf = (tenantId: string, userId: string) => `${tenantId}.${userId}`;
