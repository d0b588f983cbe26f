import type { SharedMap } from '../../platform/cluster/cluster.js';
import type { CoreContext } from '../context.js';
import type { Binding } from './model.js';

/** Longest a binding may live; the shared map keeps an entry this long after its last write. */
export const MAX_BINDING_MS = 86_400_000;

/** How long the list of the nodes' SIP addresses is reused before it is read again. */
const NODE_ADDRESSES_MS = 2000;

/**
 * Registrations: where each user's devices can be reached now. They are cluster state (DESIGN
 * §2): a device registered through one node is found from every node; one whose connection sits
 * on a node that is gone is not reachable, so it is left out until it registers again.
 */
export class RegistrationService {
  private readonly map: SharedMap<Binding[]>;
  private addresses: { at: number; byInstance: Promise<Map<string, string>> } | undefined;

  constructor(private readonly ctx: CoreContext) {
    this.map = ctx.cluster.shared<Binding[]>('sip_bindings', MAX_BINDING_MS);
  }

  /** This node's instance, for the bindings of the connections it holds. */
  get node(): string {
    return this.ctx.cluster.instance;
  }

  /** Publishes the host:port the other nodes reach this node's SIP over TCP at. */
  announce(address: string): Promise<void> {
    return this.ctx.cluster.announceSip(address);
  }

  /**
   * The SIP host:port of each live node that announced one, by instance (read from the cluster's
   * node registry at most every 2 s; `fresh` reads again unless the last read is under 200 ms old).
   */
  async nodeAddresses(fresh = false): Promise<Map<string, string>> {
    const now = this.ctx.clock.now();
    const age = this.addresses ? now - this.addresses.at : Number.POSITIVE_INFINITY;
    if (age > NODE_ADDRESSES_MS || (fresh && age > 200)) {
      const byInstance = this.ctx.cluster
        .status()
        .then((s) => new Map(s.nodes.flatMap((n) => (n.sip ? [[n.instance, n.sip] as const] : []))));
      this.addresses = { at: now, byInstance };
      byInstance.catch(() => {
        if (this.addresses?.byInstance === byInstance) this.addresses = undefined;
      });
    }
    return (this.addresses as { byInstance: Promise<Map<string, string>> }).byInstance;
  }

  /** The SIP host:port of a live node instance, if it announced one. */
  async nodeAddress(instance: string): Promise<string | undefined> {
    return (await this.nodeAddresses()).get(instance) ?? (await this.nodeAddresses(true)).get(instance);
  }

  /** The user's live bindings (not expired; connection-bound ones only when their node lives). */
  async of(tenantId: string, userId: string): Promise<Binding[]> {
    const now = this.ctx.clock.now();
    const bindings = ((await this.map.get(keyOf(tenantId, userId))) ?? []).filter((b) => b.expiresAt > now);
    if (!bindings.some((b) => b.node !== this.node && b.flow.transport !== 'UDP')) return bindings;
    const live = new Set((await this.ctx.cluster.liveInstances()) ?? bindings.map((b) => b.node));
    return bindings.filter((b) => b.flow.transport === 'UDP' || live.has(b.node));
  }

  /**
   * Replaces the user's bindings with what `change` makes of the live ones, atomically in the
   * cluster; `change` may throw to refuse (nothing is written then). Returns the new bindings.
   */
  async update(tenantId: string, userId: string, change: (live: Binding[]) => Binding[]): Promise<Binding[]> {
    const now = this.ctx.clock.now();
    let result: Binding[] = [];
    let before = 0;
    let failure: unknown;
    await this.map.update(keyOf(tenantId, userId), (current) => {
      try {
        const live = (current ?? []).filter((b) => b.expiresAt > now);
        before = live.length;
        result = change(live);
      } catch (err) {
        failure = err;
        return current;
      }
      return result.length > 0 ? result : undefined;
    });
    if (failure !== undefined) throw failure;
    // In service or out of it (ECMA-269 §20.2: what CSTA monitors report as BackInService/OutOfService).
    if (before > 0 !== result.length > 0) {
      await this.ctx.bus.publish('registration.changed', { tenantId, userId, registered: result.length > 0 });
    }
    return result;
  }
}

const keyOf = (tenantId: string, userId: string) => `${tenantId}.${userId}`;
