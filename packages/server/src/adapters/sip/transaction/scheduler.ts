/**
 * Where transactions get their timers from. The layer never reads a clock itself: production
 * passes one over setTimeout, tests a `FakeClock`.
 */
export interface Scheduler {
  /** Calls `fire` once after `ms`; `name` (e.g. "A") is for whoever inspects the timers. */
  setTimer(name: string, ms: number, fire: () => void): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: number };

interface Pending {
  readonly handle: TimerHandle;
  readonly name: string;
  readonly due: number;
  readonly fire: () => void;
}

/** A deterministic clock for tests: time moves only when `advance` is called. */
export class FakeClock implements Scheduler {
  now = 0;
  private nextId = 1;
  private pending: Pending[] = [];

  setTimer(name: string, ms: number, fire: () => void): TimerHandle {
    const handle = { id: this.nextId++ };
    this.pending.push({ handle, name, due: this.now + ms, fire });
    return handle;
  }

  cancelTimer(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }

  /** The running timers as "name@due", sorted by due time (then by order of setting). */
  get timers(): string[] {
    return this.ordered().map((p) => `${p.name}@${p.due}`);
  }

  /** Moves time forward by `ms`, firing every timer due on the way in order, timers set meanwhile included. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.ordered()[0];
      if (!next || next.due > end) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.now = next.due;
      next.fire();
    }
    this.now = end;
  }

  private ordered(): Pending[] {
    return [...this.pending].sort((a, b) => a.due - b.due || a.handle.id - b.handle.id);
  }
}

/** The production scheduler: node timers, unref'd so they never keep the process alive. */
export function timerScheduler(): Scheduler {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  return {
    setTimer(_name, ms, fire) {
      const handle = { id: nextId++ };
      const timer = setTimeout(() => {
        timers.delete(handle.id);
        fire();
      }, ms);
      timer.unref();
      timers.set(handle.id, timer);
      return handle;
    },
    cancelTimer(handle) {
      clearTimeout(timers.get(handle.id));
      timers.delete(handle.id);
    },
  };
}
