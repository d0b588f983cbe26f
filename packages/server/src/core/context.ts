import type { Bus } from '../platform/bus/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/log.js';
import type { EventMap } from './events.js';
import type { Hooks } from './hooks.js';
import type { Store } from './store.js';

/** What every core service is built from; assembled once in the composition root. */
export interface CoreContext {
  store: Store;
  bus: Bus<EventMap>;
  hooks: Hooks;
  clock: Clock;
  log: Logger;
}
