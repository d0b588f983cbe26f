// The 20 ms beat of the media engine: ticks due at fixed times from the start (process.hrtime), so
// a late timer does not push every later tick back (no drift, as setInterval would have).

/** Ticks more than this many behind are skipped rather than run back to back. */
const MAX_CATCH_UP = 5;

/**
 * Calls `tick` every `periodMs`, the n-th call due at start + n × period. A timer that fires late
 * runs the ticks that fell due meanwhile (up to five; beyond that the clock skips ahead, since
 * audio that late is of no use). A throwing tick is reported to `onError` and the clock goes on.
 *
 * @example
 * const clock = new FrameClock(() => conference.mix(), 20, (err) => log.error({ err }));
 * clock.start();
 * clock.stop();
 */
export class FrameClock {
  private readonly periodNs: bigint;
  private startedAt = 0n;
  private ticks = 0n;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tick: () => void,
    periodMs = 20,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.periodNs = BigInt(Math.round(periodMs * 1e6));
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.startedAt = process.hrtime.bigint();
    this.ticks = 0n;
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.startedAt + (this.ticks + 1n) * this.periodNs;
    const waitMs = Number(due - process.hrtime.bigint()) / 1e6;
    this.timer = setTimeout(() => this.run(), Math.max(0, waitMs));
  }

  private run(): void {
    const elapsed = (process.hrtime.bigint() - this.startedAt) / this.periodNs;
    if (elapsed - this.ticks > MAX_CATCH_UP) this.ticks = elapsed - 1n;
    while (this.ticks < elapsed && this.timer) {
      this.ticks++;
      try {
        this.tick();
      } catch (error) {
        this.onError(error);
      }
    }
    if (this.timer) this.schedule();
  }
}
