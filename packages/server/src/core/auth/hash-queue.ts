import { ParleyError } from '../errors.js';

export interface HashQueueOptions {
  /** Password hashes computed at once (each holds a libuv thread for its whole run). */
  maxConcurrent: number;
  /** Attempts that may wait for a free slot; beyond that the worst-placed one is refused. */
  maxWaiting: number;
  /** Places one source address may hold (a company behind one NAT address signs in at 9:00). */
  maxWaitingPerSource: number;
  /** The time in milliseconds (the core's clock). */
  now: () => number;
}

/** How long a source's refused attempts count against its place. */
const REFUSAL_MEMORY_MS = 60_000;
/** Sources whose refusals are remembered at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

interface Waiter {
  source: string;
  rank: number;
  seq: number;
  start: () => void;
  refuse: (err: ParleyError) => void;
}

/** Counters of the queue, for tests and metrics. */
export interface HashQueueStats {
  running: number;
  waiting: number;
  /** The most hashes that ever ran at once. */
  peak: number;
  /** Hashes started. */
  started: number;
  /** Attempts refused without hashing (the source held all its places, or the queue was full). */
  refused: number;
}

type Place = [rank: number, pressure: number, seq: number];

const compare = (a: Place, b: Place) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

const busy = () =>
  new ParleyError('PARLEY_ERR_TOO_MANY_REQUESTS', 'Too many sign-ins at once; try again', undefined, 1);

/**
 * Bounds the concurrent slow password hashes. scrypt runs on libuv's small thread pool, which file
 * reads and DNS share: unbounded, a flood of failing logins took every thread and stalled the
 * whole server. Waiting is fair: the best-placed attempt goes first — by rank (an address that
 * signed in before, then addresses with fewer recent failures), then by how many places its
 * address holds (fewer first), then by arrival — so flooding addresses do not push a new
 * address's sign-in to the back. Each address holds at most `maxWaitingPerSource` places; when
 * the queue is full a better-placed newcomer takes the place of the worst-placed waiter, which is
 * refused (429, no hash). An address's refused attempts of the last minute count as places it
 * holds: a flooding address whose guesses have not failed yet (they are still waiting) is told
 * from a new address by the attempts it has had refused.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Places each source holds in `waiting`, kept with it (a place is compared on every hand-over). */
  private readonly places = new Map<string, number>();
  /** Attempts refused per source and when the last was, oldest first (bounded by MAX_REMEMBERED). */
  private readonly refusals = new Map<string, { count: number; last: number }>();
  private seq = 0;
  private readonly counters = { peak: 0, started: 0, refused: 0 };

  constructor(private readonly options: HashQueueOptions) {}

  /** Runs `fn` in a hashing slot, or refuses with PARLEY_ERR_TOO_MANY_REQUESTS before it runs. */
  async run<T>(source: string, rank: number, fn: () => Promise<T>): Promise<T> {
    if (this.running < this.options.maxConcurrent) return this.execute(fn);
    const held = this.held(source);
    if (held >= this.options.maxWaitingPerSource) this.refuse(source);
    if (this.waiting.length >= this.options.maxWaiting) {
      const worst = this.worst();
      // The newcomer's place: its rank, and the pressure of its address with it.
      const place: Place = [rank, held + 1 + this.refused(source), Number.POSITIVE_INFINITY];
      if (!worst || compare(this.place(worst), place) <= 0) this.refuse(source);
      const out = worst as Waiter;
      this.remove(out);
      this.count(out.source);
      out.refuse(busy());
    }
    await new Promise<void>((start, refuse) => {
      this.waiting.push({ source, rank, seq: this.seq++, start, refuse });
      this.places.set(source, this.held(source) + 1);
    });
    return this.execute(fn, true);
  }

  stats(): HashQueueStats {
    return { running: this.running, waiting: this.waiting.length, ...this.counters };
  }

  /** `reserved`: the slot was handed over by `next()` and already counted. */
  private async execute<T>(fn: () => Promise<T>, reserved = false): Promise<T> {
    if (!reserved) this.running++;
    this.counters.peak = Math.max(this.counters.peak, this.running);
    this.counters.started++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.next();
    }
  }

  private next() {
    if (this.running >= this.options.maxConcurrent || this.waiting.length === 0) return;
    let best = this.waiting[0] as Waiter;
    for (const w of this.waiting) if (compare(this.place(w), this.place(best)) < 0) best = w;
    this.remove(best);
    this.running++;
    best.start();
  }

  /** The waiter that would go last. */
  private worst(): Waiter | undefined {
    let worst: Waiter | undefined;
    for (const w of this.waiting) if (!worst || compare(this.place(w), this.place(worst)) > 0) worst = w;
    return worst;
  }

  /** Places `source` holds in the queue. */
  private held(source: string): number {
    return this.places.get(source) ?? 0;
  }

  private remove(w: Waiter) {
    this.waiting.splice(this.waiting.indexOf(w), 1);
    const left = this.held(w.source) - 1;
    if (left > 0) this.places.set(w.source, left);
    else this.places.delete(w.source);
  }

  /** Where a waiter stands: rank, then its address's places and recent refusals, then arrival; lower goes first. */
  private place(w: Waiter): Place {
    return [w.rank, this.held(w.source) + this.refused(w.source), w.seq];
  }

  /** Attempts from `source` refused within the last REFUSAL_MEMORY_MS. */
  private refused(source: string): number {
    const r = this.refusals.get(source);
    if (r && this.options.now() - r.last <= REFUSAL_MEMORY_MS) return r.count;
    if (r) this.refusals.delete(source);
    return 0;
  }

  /** Counts a refusal of `source` (kept most recent last; the oldest forgotten beyond the bound). */
  private count(source: string) {
    this.counters.refused++;
    const count = this.refused(source) + 1;
    this.refusals.delete(source);
    this.refusals.set(source, { count, last: this.options.now() });
    if (this.refusals.size > MAX_REMEMBERED) this.refusals.delete(this.refusals.keys().next().value as string);
  }

  private refuse(source: string): never {
    this.count(source);
    throw busy();
  }
}
