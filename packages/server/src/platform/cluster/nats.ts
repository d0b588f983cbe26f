import { createHash } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { within } from '../../lib/within.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import {
  type Cluster,
  type ClusterStatus,
  type LeaseStatus,
  type NodeReport,
  type NodeStatus,
  newInstanceId,
  type SharedMap,
} from './cluster.js';

export interface NatsClusterOptions {
  nodeId: string;
  /** Bucket names start with it (installations and test runs sharing one NATS stay apart). */
  prefix: string;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  leaseMs: number;
}

interface Lease {
  revision: number | null;
  renewedAt: number;
  since: number;
}

const json = (value: unknown) => JSON.stringify(value);
/** Compare-and-set rounds before an update of shared state gives up (and throws). */
const MAX_ATTEMPTS = 100;
const wrongRevision = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/**
 * A bucket's entries that hold a value (not deleted), by key. Not `kv.keys()`: that lists through
 * a consumer which waits for the last pending entry, and waits forever when that entry expires
 * meanwhile (nats-server#3481), which is exactly what happens in the nodes bucket when a node
 * dies. Stream info with a subject filter is one request, bounded by the JetStream API timeout.
 */
async function entries<T>(jsm: JetStreamManager, kv: KV, bucket: string): Promise<Map<string, T>> {
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `$KV.${bucket}.>` });
  const prefix = `$KV.${bucket}.`;
  const found = new Map<string, T>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const key = subject.slice(prefix.length);
    // It may have expired or been deleted since the listing: then it is simply not there.
    const e = await kv.get(key);
    if (e?.operation === 'PUT') found.set(key, e.json() as T);
  }
  return found;
}

/**
 * Shared state in a JetStream key-value bucket whose entries expire `ttl` after their last write
 * (the bucket's max age, enforced by the NATS server's clock). Keys are hashed into valid KV keys.
 */
class KvSharedMap<T> implements SharedMap<T> {
  private bucket: Promise<KV> | undefined;

  constructor(private readonly open: () => Promise<KV>) {}

  private kv(): Promise<KV> {
    this.bucket ??= this.open().catch((err) => {
      this.bucket = undefined;
      throw err;
    });
    return this.bucket;
  }

  private static key(key: string) {
    return createHash('sha256').update(key).digest('base64url');
  }

  async get(key: string): Promise<T | undefined> {
    const e = await (await this.kv()).get(KvSharedMap.key(key));
    return e && e.operation === 'PUT' ? (e.json() as T) : undefined;
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined): Promise<void> {
    const kv = await this.kv();
    const k = KvSharedMap.key(key);
    for (let attempt = 1; ; attempt++) {
      const e = await kv.get(k);
      const current = e && e.operation === 'PUT' ? (e.json() as T) : undefined;
      const next = fn(current);
      try {
        if (next === undefined) {
          if (e && current !== undefined) await kv.delete(k, { previousSeq: e.revision });
        } else if (e) await kv.update(k, json(next), e.revision);
        else await kv.create(k, json(next));
        return;
      } catch (err) {
        if (!wrongRevision(err) || attempt === MAX_ATTEMPTS) throw err;
      }
      // Someone else wrote in between: back off a little (randomly, so contenders spread out).
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
  }
}

/**
 * The cluster on NATS JetStream key-value buckets (`<prefix>_nodes`, `<prefix>_leases`,
 * `<prefix>_<shared map>`):
 * - membership: every node puts its status under its instance id every heartbeat; the bucket's
 *   max age (node timeout minus one heartbeat) removes the entry of a node that stopped, so the
 *   live nodes are the bucket's keys and a dead one is gone within the node timeout;
 * - leases: a job's key is taken with a create (fails while someone holds it) and renewed with an
 *   update on the last revision (fails if someone else took it); the bucket's max age is the lease
 *   time, so a dead holder's key disappears and the next node's create succeeds. The server's
 *   clock decides expiry, so nodes' clocks need not agree, and a node cut off from NATS stops
 *   running the job before its lease can pass to another (it stops at two thirds of the lease).
 */
export class NatsCluster implements Cluster {
  readonly enabled = true;
  readonly instance: string;
  readonly nodeId: string;
  private readonly kvm: Kvm;
  private nodesKv: Promise<KV> | undefined;
  private leasesKv: Promise<KV> | undefined;
  private readonly leases = new Map<string, Lease>();
  private readonly reconnectListeners = new Set<() => void>();
  private report: NodeReport | undefined;
  private url: string | null = null;
  private sip: string | null = null;
  private readonly startedAt: number;
  /** Since when the connection has been up without a break (null while disconnected). */
  private connectedSince: number | null;
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private stopped = false;

  constructor(
    private readonly connection: NatsConnection,
    private readonly options: NatsClusterOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.nodeId = options.nodeId;
    this.instance = newInstanceId(options.nodeId);
    this.kvm = new Kvm(connection);
    this.startedAt = clock.now();
    this.connectedSince = this.startedAt;
    void this.watchConnection();
  }

  private bucketName(name: string) {
    return `${this.options.prefix}_${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  private nodes(): Promise<KV> {
    this.nodesKv ??= this.kvm.create(this.bucketName('nodes'), {
      history: 1,
      ttl: Math.max(1000, this.options.nodeTimeoutMs - this.options.heartbeatMs),
    });
    return this.nodesKv;
  }

  private jsm: Promise<JetStreamManager> | undefined;

  private list<T>(kv: KV, name: string): Promise<Map<string, T>> {
    this.jsm ??= jetstreamManager(this.connection).catch((err) => {
      this.jsm = undefined;
      throw err;
    });
    return this.jsm.then((jsm) => entries<T>(jsm, kv, this.bucketName(name)));
  }

  private leaseBucket(): Promise<KV> {
    this.leasesKv ??= this.kvm.create(this.bucketName('leases'), { history: 1, ttl: this.options.leaseMs });
    return this.leasesKv;
  }

  private async watchConnection() {
    for await (const s of this.connection.status()) {
      if (s.type === 'disconnect') this.connectedSince = null;
      else if (s.type === 'reconnect') {
        this.connectedSince = this.clock.now();
        // Both buckets may have been recreated empty (a NATS server without persistence).
        this.nodesKv = undefined;
        this.leasesKv = undefined;
        void this.heartbeat();
        for (const fn of this.reconnectListeners) fn();
      }
    }
  }

  private every(ms: number, fn: () => Promise<void>) {
    const timer = setInterval(() => void fn(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  async start(report: NodeReport): Promise<void> {
    this.report = report;
    this.started = true;
    await this.heartbeat(true);
    this.every(this.options.heartbeatMs, () => this.heartbeat());
    this.every(Math.max(200, Math.floor(this.options.leaseMs / 3)), () => this.renewLeases());
    this.log.info(
      { instance: this.instance, heartbeatMs: this.options.heartbeatMs, nodeTimeoutMs: this.options.nodeTimeoutMs },
      'joined the cluster',
    );
  }

  async announce(url: string): Promise<void> {
    this.url = url;
    await this.heartbeat(true);
  }

  async announceSip(address: string): Promise<void> {
    this.sip = address;
    await this.heartbeat(true);
  }

  private ownStatus(): NodeStatus {
    return {
      nodeId: this.nodeId,
      instance: this.instance,
      url: this.url,
      sip: this.sip,
      version: this.report?.version ?? 'unknown',
      startedAt: this.startedAt,
      heartbeatAt: this.clock.now(),
      connections: this.report?.connections() ?? 0,
    };
  }

  /** The heartbeat being written, if any (leaving waits for it, or it would bring the entry back). */
  private beating: Promise<unknown> | undefined;

  private async heartbeat(mustSucceed = false): Promise<void> {
    if (this.stopped) return;
    try {
      const put = this.nodes().then((kv) => kv.put(this.instance, json(this.ownStatus())));
      this.beating = put.catch(() => undefined);
      await put;
    } catch (err) {
      this.nodesKv = undefined;
      if (mustSucceed) throw err;
      this.log.warn({ err }, 'heartbeat failed');
    }
  }

  async liveInstances(): Promise<string[] | undefined> {
    const since = this.connectedSince;
    if (this.stopped || since === null || this.clock.now() - since < this.options.nodeTimeoutMs) return undefined;
    try {
      const keys = [...(await this.list<NodeStatus>(await this.nodes(), 'nodes')).keys()];
      // Our own heartbeat must be there, or the listing is not to be trusted.
      return keys.includes(this.instance) ? keys : undefined;
    } catch (err) {
      this.log.warn({ err }, 'could not list the live nodes');
      return undefined;
    }
  }

  async status(): Promise<ClusterStatus> {
    const nodes = [...(await this.list<NodeStatus>(await this.nodes(), 'nodes')).values()];
    const leases: LeaseStatus[] = [];
    for (const [name, lease] of await this.list<Omit<LeaseStatus, 'name'>>(await this.leaseBucket(), 'leases')) {
      leases.push({ name, ...lease });
    }
    nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.startedAt - b.startedAt);
    leases.sort((a, b) => a.name.localeCompare(b.name));
    return { enabled: true, self: this.instance, nodes, leases };
  }

  want(lease: string): void {
    if (this.leases.has(lease)) return;
    this.leases.set(lease, { revision: null, renewedAt: 0, since: 0 });
    void this.renewLeases();
  }

  holds(lease: string): boolean {
    const l = this.leases.get(lease);
    return !!l && l.revision !== null && this.clock.now() - l.renewedAt < (this.options.leaseMs * 2) / 3;
  }

  private renewing: Promise<void> | undefined;

  private renewLeases(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    if (this.stopped) return;
    let kv: KV;
    try {
      kv = await this.leaseBucket();
    } catch (err) {
      this.leasesKv = undefined;
      this.log.warn({ err }, 'lease bucket unavailable');
      return;
    }
    for (const [name, l] of this.leases) {
      const now = this.clock.now();
      const since = l.revision === null ? now : l.since;
      const value = json({ instance: this.instance, nodeId: this.nodeId, since });
      try {
        if (l.revision === null) {
          l.revision = await kv.create(name, value);
          l.since = since;
          this.log.info({ lease: name }, 'lease taken');
        } else l.revision = await kv.update(name, value, l.revision);
        l.renewedAt = now;
      } catch (err) {
        if (l.revision === null) {
          if (!wrongRevision(err)) this.log.warn({ err, lease: name }, 'could not take lease');
        } else if (wrongRevision(err) || now - l.renewedAt >= this.options.leaseMs) {
          l.revision = null;
          this.log.warn({ lease: name }, 'lease lost');
        } else this.log.warn({ err, lease: name }, 'lease renewal failed; retrying');
      }
    }
  }

  shared<T>(name: string, ttlMs: number): SharedMap<T> {
    return new KvSharedMap<T>(() => this.kvm.create(this.bucketName(name), { history: 1, ttl: ttlMs }));
  }

  onReconnect(fn: () => void): () => void {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  async ping(): Promise<void> {
    if (this.connectedSince === null) throw new Error('not connected to NATS');
    await within(this.connection.rtt(), 2000, 'NATS did not answer within 2 s');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (!this.started) return;
    const leave = async () => {
      await this.renewing;
      await this.beating;
      const kv = await this.leaseBucket();
      for (const [name, l] of this.leases) {
        if (l.revision !== null) await kv.delete(name, { previousSeq: l.revision });
      }
      await (await this.nodes()).delete(this.instance);
    };
    try {
      // Bounded: a node cut off from NATS must still stop; the others then time it out.
      await within(leave(), 5000, 'NATS did not answer within 5 s');
      this.log.info({ instance: this.instance }, 'left the cluster');
    } catch (err) {
      this.log.warn({ err }, 'could not leave the cluster cleanly; the others will time this node out');
    }
  }
}
