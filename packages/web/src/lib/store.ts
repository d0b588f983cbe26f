import { useSyncExternalStore } from 'react';

/**
 * A value that components subscribe to. Every state of a feature lives in one of these, outside
 * React, so the event socket, the API and the views share it without a framework.
 * @example
 * const count = new Store(0);
 * count.update((n) => n + 1);
 * const n = useStore(count, (c) => c);
 */
export class Store<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private state: T) {}

  get = (): T => this.state;

  set(next: T): void {
    if (Object.is(next, this.state)) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  update(fn: (prev: T) => T): void {
    this.set(fn(this.state));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The part of a store a component renders; `select` must return a stable value (no new objects). */
export function useStore<T, S>(store: Store<T>, select: (state: T) => S): S {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
