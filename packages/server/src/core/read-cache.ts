import type { Clock } from '../platform/clock.js';

/** How long a cached fact may be served without its change event (a bound on a missed event). */
export const READ_CACHE_TTL_MS = 30_000;

/**
 * Facts the store holds that every SIP request reads (a domain's tenant, a user, a device's
 * credentials), kept in memory per node. The service that changes such a fact forgets it at once
 * on its own node; every node forgets it on the change's event (the bus carries it between
 * nodes), and `ttlMs` bounds what a missed event costs. Only found values are kept (something
 * created elsewhere is seen at once), and a read that began before a `forget` is not kept: it may
 * hold the value from before the change.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = READ_CACHE_TTL_MS,
    private readonly max = 20_000,
  ) {}

  /** The value under `key`, read with `load` when it is not cached (or too old). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) {
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, { value, at: now });
    }
    return value;
  }

  /** Drops the entry under `key` (without looking at the others). */
  drop(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  /** Drops the entries `match` picks (all without it). */
  forget(match?: (value: V, key: string) => boolean): void {
    this.generation++;
    if (!match) this.entries.clear();
    else for (const [key, e] of this.entries) if (match(e.value, key)) this.entries.delete(key);
  }
}
