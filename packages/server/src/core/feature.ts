import type { Handler, SubscribeOptions } from '../platform/bus/bus.js';
import type { Logger } from '../platform/log.js';
import type { EventMap } from './events.js';
import type { HookMap } from './hooks.js';
import type { Core } from './index.js';

/** What a feature may register; everything is tracked and undone when the feature stops. */
export interface FeatureContext {
  core: Core;
  log: Logger;
  subscribe<T extends keyof EventMap>(type: T, handler: Handler<EventMap[T]>, options?: SubscribeOptions): void;
  hook<K extends keyof HookMap>(
    hook: K,
    fn: (value: HookMap[K]) => HookMap[K] | undefined | Promise<HookMap[K] | undefined>,
    priority?: number,
  ): void;
  /**
   * Runs `fn` every `ms`; a failure is logged and the schedule goes on. With `lease`, only the
   * node holding that lease runs it (one node in the cluster; another takes over when it dies).
   */
  every(ms: number, fn: () => Promise<void>, options?: { lease?: string }): void;
  onStop(fn: () => void | Promise<void>): void;
}

/**
 * A capability that plugs into the core: a name and a `setup` that registers through its context.
 * @example
 * export const sessionHousekeeping: Feature = {
 *   name: 'session-housekeeping',
 *   setup: (ctx) => ctx.every(3_600_000, () => ctx.core.auth.purge()),
 * };
 */
export interface Feature {
  name: string;
  setup(ctx: FeatureContext): void | Promise<void>;
}

/** Starts features in order and stops them in reverse, undoing everything they registered. */
export class FeatureHost {
  private readonly started: { name: string; disposers: (() => void | Promise<void>)[] }[] = [];

  constructor(private readonly core: Core) {}

  async start(features: Feature[]): Promise<void> {
    for (const feature of features) {
      const disposers: (() => void | Promise<void>)[] = [];
      const log = this.core.ctx.log.child({ feature: feature.name });
      this.started.push({ name: feature.name, disposers });
      await feature.setup({
        core: this.core,
        log,
        subscribe: (type, handler, options) => disposers.push(this.core.ctx.bus.subscribe(type, handler, options)),
        hook: (hook, fn, priority) => disposers.push(this.core.ctx.hooks.register(hook, feature.name, fn, priority)),
        every: (ms, fn, options) => {
          const { cluster } = this.core.ctx;
          const lease = options?.lease;
          if (lease) cluster.want(lease);
          const run = () => (lease && !cluster.holds(lease) ? Promise.resolve() : fn());
          const timer = setInterval(() => run().catch((err) => log.warn({ err }, 'scheduled work failed')), ms);
          timer.unref();
          disposers.push(() => clearInterval(timer));
        },
        onStop: (fn) => disposers.push(fn),
      });
      log.debug('feature started');
    }
  }

  async stop(): Promise<void> {
    for (const { name, disposers } of this.started.splice(0).reverse()) {
      for (const dispose of disposers.reverse()) {
        try {
          await dispose();
        } catch (err) {
          this.core.ctx.log.warn({ err, feature: name }, 'feature did not stop cleanly');
        }
      }
    }
  }
}
