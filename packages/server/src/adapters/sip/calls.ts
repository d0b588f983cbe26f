// The switch's calls reported to the core's call model (core/calls): one core call per
// back-to-back call, its steps applied in order.
import type { Services } from '../../compose.js';
import { isLive } from '../../core/calls/model.js';
import type { Logger } from '../../platform/log.js';
import type { CallSink } from './b2bua/types.js';

/**
 * A sink that applies each step of a switched call to `core.calls`. Steps of one call run one
 * after the other (the core's ids come from `originate`); a step the core refuses is logged and
 * does not stop the call. It also knows which back-to-back call each live core call is.
 */
export class CoreCallSink implements CallSink {
  /** The core's id of each back-to-back call with steps still to come (undefined: the core refused it). */
  private readonly chains = new Map<string, Promise<string | undefined>>();
  /** Back-to-back call ids by the core's call id, while the call lives. */
  private readonly byCore = new Map<string, string>();

  constructor(
    private readonly core: Services,
    private readonly log: Logger,
  ) {}

  /** The back-to-back call of a live core call this node switches. */
  switched(coreCallId: string): string | undefined {
    return this.byCore.get(coreCallId);
  }

  /** The core's id of a back-to-back call, once `originated` went through (undefined: refused, or long over). */
  coreId(b2buaId: string): Promise<string | undefined> {
    return this.chains.get(b2buaId) ?? Promise.resolve(undefined);
  }

  private step(b2bua: string, what: string, run: (id: string) => Promise<unknown>, last = false): void {
    const next = (this.chains.get(b2bua) ?? Promise.resolve(undefined)).then(async (id) => {
      if (id === undefined) return undefined;
      await run(id).catch((err: unknown) =>
        this.log.warn({ err, callId: id, step: what }, 'call step refused by the core'),
      );
      if (last) this.byCore.delete(id);
      return id;
    });
    this.chains.set(b2bua, next);
    if (last)
      void next.then(() => {
        if (this.chains.get(b2bua) === next) this.chains.delete(b2bua);
      });
  }

  /** Resolves once every step of the call reported so far is in the core. */
  async settled(b2buaId: string): Promise<void> {
    await this.chains.get(b2buaId);
  }

  originated: CallSink['originated'] = (call, caller, to) => {
    const started = this.core.calls
      .originate(to.tenantId, { from: caller, to: { dialled: to.dialled, party: to.party } })
      .then(
        (c) => {
          this.byCore.set(c.id, call.id);
          return c.id;
        },
        (err: unknown) => {
          this.log.warn({ err }, 'call not taken by the core');
          return undefined;
        },
      );
    this.chains.set(call.id, started);
  };

  delivered: CallSink['delivered'] = (call, party) =>
    this.step(call.id, 'deliver', (id) => this.core.calls.deliver(id, party));

  established: CallSink['established'] = (call, party) =>
    this.step(call.id, 'establish', (id) => this.core.calls.establish(id, party));

  held: CallSink['held'] = (call, party) => this.step(call.id, 'hold', (id) => this.core.calls.hold(id, party));

  retrieved: CallSink['retrieved'] = (call, party) =>
    this.step(call.id, 'retrieve', (id) => this.core.calls.retrieve(id, party));

  diverted: CallSink['diverted'] = (call, to, cause) =>
    this.step(call.id, 'divert', (id) => this.core.calls.divert(id, undefined, to, cause));

  transferred: CallSink['transferred'] = (call, by, to) =>
    this.step(call.id, 'transfer', (id) => this.core.calls.singleStepTransfer(id, by, to));

  joined: CallSink['joined'] = (call, held, by, moved) =>
    this.merge(call.id, held.id, 'transfer', (id, heldId) => this.core.calls.transfer(heldId, id, by, moved));

  conferenced: CallSink['conferenced'] = (call, held, by, moved) =>
    this.merge(call.id, held.id, 'conference', (id, heldId) => this.core.calls.conference(heldId, id, by, moved));

  left: CallSink['left'] = (call, party) => this.step(call.id, 'leave', (id) => this.core.calls.clear(id, party));

  /** A step on `call` that takes `held` (which ends) into it: after `held`'s steps so far. */
  private merge(call: string, held: string, what: string, run: (id: string, heldId: string) => Promise<unknown>): void {
    this.step(call, what, async (id) => {
      const heldId = await this.coreId(held);
      this.chains.delete(held);
      if (heldId === undefined) return;
      this.byCore.delete(heldId);
      await run(id, heldId);
    });
  }

  // The party who hung up clears first, then the others (the switch sent them the BYE).
  cleared: CallSink['cleared'] = (call, by, cause) =>
    this.step(
      call.id,
      'clear',
      async (id) => {
        const left = by ? await this.core.calls.clear(id, by, cause) : undefined;
        if (!left || left.connections.some(isLive)) await this.core.calls.clear(id, undefined, cause);
      },
      true,
    );

  failed: CallSink['failed'] = (call, cause) =>
    this.step(
      call.id,
      'fail',
      async (id) => {
        await this.core.calls.fail(id, cause);
        await this.core.calls.clear(id);
      },
      true,
    );
}
