import { ParleyError } from '../errors.js';

export interface HashQueueOptions {
  /** Password hashes computed at once (each holds a libuv thread for its whole run). */
  maxConcurrent: number;
  /** Attempts that may wait for a free slot; beyond that the worst-ranked one is refused. */
  maxWaiting: number;
}

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
  /** Attempts refused without hashing (the source already waited, or the queue was full). */
  refused: number;
}

const busy = () =>
  new ParleyError('PARLEY_ERR_TOO_MANY_REQUESTS', 'Too many sign-ins at once; try again', undefined, 1);

/**
 * Bounds the concurrent slow password hashes. scrypt runs on libuv's small thread pool, which file
 * reads and DNS share: unbounded, a flood of failing logins took every thread and stalled the
 * whole server. Waiting is fair: each source address holds at most one place (its further attempts
 * are refused without hashing), and the best-ranked attempt goes first (an address that signed in
 * before, then addresses with fewer recent failures), so flooding addresses do not push a new
 * address's sign-in to the back. When the queue is full a better-ranked newcomer takes the place
 * of the worst-ranked waiter, which is refused (429, no hash).
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private seq = 0;
  private readonly counters = { peak: 0, started: 0, refused: 0 };

  constructor(private readonly options: HashQueueOptions) {}

  /** Runs `fn` in a hashing slot, or refuses with PARLEY_ERR_TOO_MANY_REQUESTS before it runs. */
  async run<T>(source: string, rank: number, fn: () => Promise<T>): Promise<T> {
    if (this.running < this.options.maxConcurrent) return this.execute(fn);
    if (this.waiting.some((w) => w.source === source)) this.refuse();
    if (this.waiting.length >= this.options.maxWaiting) {
      const worst = this.worst();
      if (!worst || worst.rank <= rank) this.refuse();
      this.waiting.splice(this.waiting.indexOf(worst as Waiter), 1);
      this.counters.refused++;
      (worst as Waiter).refuse(busy());
    }
    await new Promise<void>((start, refuse) => {
      this.waiting.push({ source, rank, seq: this.seq++, start, refuse });
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
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const w = this.waiting[i] as Waiter;
      const b = this.waiting[best] as Waiter;
      if (w.rank < b.rank || (w.rank === b.rank && w.seq < b.seq)) best = i;
    }
    const [w] = this.waiting.splice(best, 1);
    this.running++;
    w?.start();
  }

  /** The waiter that would go last. */
  private worst(): Waiter | undefined {
    let worst: Waiter | undefined;
    for (const w of this.waiting) {
      if (!worst || w.rank > worst.rank || (w.rank === worst.rank && w.seq > worst.seq)) worst = w;
    }
    return worst;
  }

  private refuse(): never {
    this.counters.refused++;
    throw busy();
  }
}
