import type { Logger } from '../log.js';
import type { Bus, Handler, Routable, SubscribeOptions, Unsubscribe } from './bus.js';

interface Subscription {
  handler: Handler<never>;
  userId: string | undefined;
  /** Per-subscription queue so one slow handler keeps its own order without blocking others. */
  tail: Promise<void>;
}

/** The in-process bus of the embedded deployment. */
export class MemoryBus<M extends { [K in keyof M]: Routable }> implements Bus<M> {
  private readonly subs = new Map<string, Set<Subscription>>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  async publish<T extends keyof M & string>(type: T, payload: M[T]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    for (const sub of this.subs.get(type) ?? []) {
      if (sub.userId !== undefined && sub.userId !== payload.userId) continue;
      sub.tail = sub.tail.then(async () => {
        try {
          await (sub.handler as Handler<M[T]>)(payload);
        } catch (err) {
          this.log.error({ err, event: type }, 'event handler failed');
        }
      });
    }
  }

  subscribe<T extends keyof M & string>(type: T, handler: Handler<M[T]>, options: SubscribeOptions = {}): Unsubscribe {
    const sub: Subscription = { handler: handler as Handler<never>, userId: options.userId, tail: Promise.resolve() };
    const set = this.subs.get(type) ?? new Set<Subscription>();
    this.subs.set(type, set);
    set.add(sub);
    return () => {
      set.delete(sub);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.subs.values()].flatMap((set) => [...set].map((s) => s.tail));
    this.subs.clear();
    await Promise.all(pending);
  }
}
