import type { Call, CallBack, ClientEvent } from '@parley/api';
import type { ParleyClient } from '../../lib/api.js';
import { Store } from '../../lib/store.js';

export type CallBackEvent = Extract<ClientEvent, { type: 'callback.changed' }>;

/**
 * The user's pending call-backs ("call me back when this line is free"): loaded from
 * `GET /api/v1/callbacks`, kept by the `callback.changed` events (a request leaves the list when
 * it rings, expires or is cancelled, in any client). `offer` is the user's last outgoing call that
 * was busy or not answered: the panel offers a call-back for it until it is taken or dismissed.
 */
export class CallBacksStore {
  readonly list = new Store<readonly CallBack[]>([]);
  readonly offer = new Store<Call | null>(null);

  constructor(private readonly api: () => ParleyClient) {}

  /** Fetches them; failures (offline) wait for the reconnect. */
  async load(): Promise<void> {
    try {
      this.list.set((await this.api().request('callbacks.list', {})).callBacks);
    } catch {
      // offline: the reconnect loads them again
    }
  }

  apply(e: CallBackEvent): void {
    if (e.status === 'requested') this.put(e.callBack);
    else this.list.update((list) => list.filter((c) => c.id !== e.callBack.id));
  }

  /** CallBack on the call (busy or not answered): its target, from the line it was made on. */
  async onCall(callId: string): Promise<CallBack> {
    const callBack = await this.api().request('calls.callBack', { params: { id: callId } });
    this.put(callBack);
    if (this.offer.get()?.id === callId) this.offer.set(null);
    return callBack;
  }

  /** CancelCallBack. */
  async cancel(id: string): Promise<void> {
    await this.api().request('callbacks.delete', { params: { id } });
    this.list.update((list) => list.filter((c) => c.id !== id));
  }

  /**
   * An outgoing call of the user's ended busy or unanswered at a line of the tenant: offered for a
   * call-back (as it failed: the clearing after keeps the offer and its cause).
   */
  ended(call: Call, me: string): void {
    const outgoing = call.caller.userId === me && call.called.line !== undefined && call.answeredAt === null;
    if (!outgoing || this.offer.get()?.id === call.id) return;
    if (call.endedAt !== null || call.state === 'failed') this.offer.set(call);
  }

  dismiss(): void {
    this.offer.set(null);
  }

  private put(callBack: CallBack): void {
    this.list.update((list) =>
      list.some((c) => c.id === callBack.id)
        ? list.map((c) => (c.id === callBack.id ? callBack : c))
        : [...list, callBack],
    );
  }
}
