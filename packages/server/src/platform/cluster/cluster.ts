import { randomBytes } from 'node:crypto';

/** One node instance as its heartbeat describes it. */
export interface NodeStatus {
  nodeId: string;
  /** This run of the node: the node id plus a random suffix, new at every start. */
  instance: string;
  url: string | null;
  /** The host:port other nodes reach its SIP over TCP at (requests to phones it holds the connection of). */
  sip: string | null;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** Event-socket connections on the node. */
  connections: number;
}

export interface LeaseStatus {
  name: string;
  /** The node instance holding it. */
  instance: string;
  nodeId: string;
  /** When this holder took it. */
  since: number;
}

export interface ClusterStatus {
  enabled: boolean;
  self: string;
  nodes: NodeStatus[];
  leases: LeaseStatus[];
}

/**
 * Shared ephemeral state with expiry: each entry lives `ttl` after its last write. Updates are
 * atomic per key (compare-and-set), so nodes may update the same key concurrently.
 */
export interface SharedMap<T> {
  get(key: string): Promise<T | undefined>;
  /** Replaces the entry with what `fn` returns from the current one (undefined removes it). */
  update(key: string, fn: (current: T | undefined) => T | undefined): Promise<void>;
}

/** What the node reports in its heartbeat besides its identity. */
export interface NodeReport {
  version: string;
  connections(): number;
}

/**
 * The cluster as one node sees it: its identity, the live nodes (heartbeats), leases for jobs that
 * must run on one node at a time, and shared ephemeral state. `LocalCluster` is the one-node
 * embedded deployment; `NatsCluster` keeps all of it in NATS JetStream key-value buckets.
 */
export interface Cluster {
  readonly enabled: boolean;
  readonly nodeId: string;
  readonly instance: string;
  /** Starts heartbeating (before the node accepts connections). */
  start(report: NodeReport): Promise<void>;
  /** Publishes the node's URL once it listens. */
  announce(url: string): Promise<void>;
  /** Publishes the host:port the other nodes reach its SIP TCP listener at. */
  announceSip(address: string): Promise<void>;
  /**
   * The live node instances, or undefined while this node cannot judge (it is not connected, or
   * has not been connected for a whole node timeout, so a live node's heartbeat may still be due).
   */
  liveInstances(): Promise<string[] | undefined>;
  status(): Promise<ClusterStatus>;
  /** Asks for a lease; the node takes it when it is free and keeps renewing it until `stop`. */
  want(lease: string): void;
  /** Whether this node holds the lease now (run the job) or not (skip this round). */
  holds(lease: string): boolean;
  /** A map of shared ephemeral state (e.g. the login throttle). */
  shared<T>(name: string, ttlMs: number): SharedMap<T>;
  /** Calls `fn` after the connection to the cluster came back (events may have been missed meanwhile). */
  onReconnect(fn: () => void): () => void;
  /** Resolves when the cluster's bus answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Releases leases and leaves the membership (the others see this node gone at once). */
  stop(): Promise<void>;
}

/** A new instance id for a run of `nodeId`: also a valid NATS key-value key. */
export const newInstanceId = (nodeId: string) =>
  `${nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}.${randomBytes(4).toString('hex')}`;
