/** What every event payload carries so the bus can route it. */
export interface Routable {
  tenantId: string;
  userId?: string;
}

export type Handler<P> = (payload: P) => void | Promise<void>;
export type Unsubscribe = () => void;

/** Narrows a subscription by routing key (per-user and per-tenant subjects on NATS). */
export interface SubscribeOptions {
  /** Only events about this user (published with this `userId`). */
  userId?: string;
  /** Only events of this tenant. */
  tenantId?: string;
}

/**
 * Typed publish/subscribe for past-tense events. Implementations: in-process (embedded) and NATS
 * (cluster). Both pass `test/contract/bus.contract.ts`.
 *
 * Guarantees: handlers of one subscription see events in publish order; a throwing or rejecting
 * handler is logged and isolated from other handlers and from the publisher.
 */
export interface Bus<M extends { [K in keyof M]: Routable }> {
  publish<T extends keyof M & string>(type: T, payload: M[T]): Promise<void>;
  subscribe<T extends keyof M & string>(type: T, handler: Handler<M[T]>, options?: SubscribeOptions): Unsubscribe;
  /**
   * Resolves once every subscription made so far is in effect: an event published anywhere in
   * the cluster after this reaches them.
   */
  flush(): Promise<void>;
  /** Stops delivery; later publishes are rejected. */
  close(): Promise<void>;
}
