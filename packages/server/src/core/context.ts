import type { Bus } from '../platform/bus/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Cluster } from '../platform/cluster/cluster.js';
import type { Logger } from '../platform/log.js';
import type { EventMap } from './events.js';
import type { Hooks } from './hooks.js';
import type { Store } from './store.js';

/** What every core service is built from; assembled once in the composition root. */
export interface CoreContext {
  store: Store;
  bus: Bus<EventMap>;
  /** This node's place in the cluster (a one-node `LocalCluster` when embedded). */
  cluster: Cluster;
  hooks: Hooks;
  clock: Clock;
  log: Logger;
}
