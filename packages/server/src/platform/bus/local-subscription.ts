import type { Logger } from '../log.js';
import type { Handler } from './bus.js';

/**
 * One local handler of a bus subscription, with its own queue: it sees events in the order they
 * were queued, one at a time, without blocking other handlers; a throwing or rejecting handler is
 * logged and isolated. Shared by every bus implementation.
 */
export class LocalSubscription {
  private tail: Promise<void> = Promise.resolve();
  private active = true;

  constructor(
    private readonly handler: Handler<never>,
    private readonly log: Logger,
  ) {}

  /** Queues `payload` behind what is queued already; dropped if the subscription ends first. */
  enqueue(type: string, payload: unknown): void {
    this.tail = this.tail.then(async () => {
      if (!this.active) return;
      try {
        await (this.handler as Handler<unknown>)(payload);
      } catch (err) {
        this.log.error({ err, event: type }, 'event handler failed');
      }
    });
  }

  /** Ends the subscription: nothing more is delivered, not even what is queued. Returns whether it was active. */
  cancel(): boolean {
    const was = this.active;
    this.active = false;
    return was;
  }

  /** Resolves once everything queued so far has been handled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
