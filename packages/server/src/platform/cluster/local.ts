import type { Clock } from '../clock.js';
import { type Cluster, type ClusterStatus, type NodeReport, newInstanceId, type SharedMap } from './cluster.js';

/** Entries kept in memory by one process, each expiring `ttlMs` after its last write. */
export class MemorySharedMap<T> implements SharedMap<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** The live entry's value; an expired entry is removed. */
  private current(key: string): T | undefined {
    const e = this.entries.get(key);
    if (e && this.clock.now() - e.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e?.value;
  }

  async get(key: string): Promise<T | undefined> {
    return this.current(key);
  }

  /** Atomic: reading, `fn` and writing happen without a pause, so concurrent updates lose nothing. */
  async update(key: string, fn: (current: T | undefined) => T | undefined): Promise<void> {
    const next = fn(this.current(key));
    if (next === undefined) this.entries.delete(key);
    else this.entries.set(key, { value: next, at: this.clock.now() });
    if (this.entries.size > 100_000) for (const k of this.entries.keys()) this.current(k);
  }
}

/** The embedded deployment: one node, which holds every lease; shared state lives in memory. */
export class LocalCluster implements Cluster {
  readonly enabled = false;
  readonly instance: string;
  private report: NodeReport | undefined;
  private url: string | null = null;
  private sip: string | null = null;
  private readonly startedAt: number;
  private readonly leases = new Set<string>();
  private readonly maps = new Map<string, MemorySharedMap<unknown>>();

  constructor(
    readonly nodeId: string,
    private readonly clock: Clock,
  ) {
    this.instance = newInstanceId(nodeId);
    this.startedAt = clock.now();
  }

  async start(report: NodeReport): Promise<void> {
    this.report = report;
  }

  async announce(url: string): Promise<void> {
    this.url = url;
  }

  async announceSip(address: string): Promise<void> {
    this.sip = address;
  }

  /** Only this run: inputs left by an earlier run of the process are gone with it. */
  async liveInstances(): Promise<string[]> {
    return [this.instance];
  }

  async status(): Promise<ClusterStatus> {
    const now = this.clock.now();
    return {
      enabled: false,
      self: this.instance,
      nodes: [
        {
          nodeId: this.nodeId,
          instance: this.instance,
          url: this.url,
          sip: this.sip,
          version: this.report?.version ?? 'unknown',
          startedAt: this.startedAt,
          heartbeatAt: now,
          connections: this.report?.connections() ?? 0,
        },
      ],
      leases: [...this.leases].map((name) => ({
        name,
        instance: this.instance,
        nodeId: this.nodeId,
        since: this.startedAt,
      })),
    };
  }

  want(lease: string): void {
    this.leases.add(lease);
  }

  holds(): boolean {
    return true;
  }

  /** One map per name, as in a real cluster (where the name is the bucket's). */
  shared<T>(name: string, ttlMs: number): SharedMap<T> {
    let map = this.maps.get(name);
    if (!map) {
      map = new MemorySharedMap<unknown>(ttlMs, this.clock);
      this.maps.set(name, map);
    }
    return map as SharedMap<T>;
  }

  onReconnect(): () => void {
    return () => undefined;
  }

  async ping(): Promise<void> {}

  async stop(): Promise<void> {}
}
