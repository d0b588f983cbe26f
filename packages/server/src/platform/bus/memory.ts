import type { Logger } from '../log.js';
import type { Bus, Handler, Routable, SubscribeOptions, Unsubscribe } from './bus.js';
import { LocalSubscription } from './local-subscription.js';

/** The routing key of a subscription: all events of a type, one tenant's, or one user's. */
const routeKey = (options: SubscribeOptions) =>
  options.userId !== undefined ? `u:${options.userId}` : options.tenantId !== undefined ? `t:${options.tenantId}` : '*';

/** The in-process bus of the embedded deployment. */
export class MemoryBus<M extends { [K in keyof M]: Routable }> implements Bus<M> {
  /** type → routing key → subscriptions; a publish touches only the keys it matches. */
  private readonly subs = new Map<string, Map<string, Set<LocalSubscription>>>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  async publish<T extends keyof M & string>(type: T, payload: M[T]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const byKey = this.subs.get(type);
    if (!byKey) return;
    const keys = ['*', `t:${payload.tenantId}`, ...(payload.userId !== undefined ? [`u:${payload.userId}`] : [])];
    for (const sub of keys.flatMap((key) => [...(byKey.get(key) ?? [])])) sub.enqueue(type, payload);
  }

  subscribe<T extends keyof M & string>(type: T, handler: Handler<M[T]>, options: SubscribeOptions = {}): Unsubscribe {
    const sub = new LocalSubscription(handler as Handler<never>, this.log);
    const byKey = this.subs.get(type) ?? new Map<string, Set<LocalSubscription>>();
    this.subs.set(type, byKey);
    const key = routeKey(options);
    const set = byKey.get(key) ?? new Set<LocalSubscription>();
    byKey.set(key, set);
    set.add(sub);
    return () => {
      sub.cancel();
      set.delete(sub);
      if (set.size === 0) byKey.delete(key);
    };
  }

  /** Subscriptions take effect at once in one process. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.subs.values()].flatMap((byKey) =>
      [...byKey.values()].flatMap((set) => [...set].map((s) => s.idle())),
    );
    this.subs.clear();
    await Promise.all(pending);
  }
}
