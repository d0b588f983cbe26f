// The switch's calls reported to the core's call model (core/calls): one core call per
// back-to-back call, its steps applied in order.
import type { Services } from '../../compose.js';
import { isLive } from '../../core/calls/model.js';
import type { Logger } from '../../platform/log.js';
import type { CallSink } from './b2bua/types.js';

/**
 * A sink that applies each step of a switched call to `core.calls`. Steps of one call run one
 * after the other (the core's ids come from `originate`); a step the core refuses is logged and
 * does not stop the call.
 */
export function coreCallSink(core: Services, log: Logger): CallSink {
  const chains = new Map<string, Promise<string | undefined>>();
  const step = (b2bua: string, what: string, run: (id: string) => Promise<unknown>, last = false) => {
    const next = (chains.get(b2bua) ?? Promise.resolve(undefined)).then(async (id) => {
      if (id === undefined) return undefined;
      await run(id).catch((err: unknown) => log.warn({ err, callId: id, step: what }, 'call step refused by the core'));
      return id;
    });
    if (last) chains.delete(b2bua);
    else chains.set(b2bua, next);
  };
  return {
    originated(call, caller, to) {
      const started = core.calls
        .originate(to.tenantId, { from: caller, to: { dialled: to.dialled, party: to.party } })
        .then(
          (c) => c.id,
          (err: unknown) => {
            log.warn({ err }, 'call not taken by the core');
            return undefined;
          },
        );
      chains.set(call.id, started);
    },
    delivered: (call, party) => step(call.id, 'deliver', (id) => core.calls.deliver(id, party)),
    established: (call, party) => step(call.id, 'establish', (id) => core.calls.establish(id, party)),
    held: (call, party) => step(call.id, 'hold', (id) => core.calls.hold(id, party)),
    retrieved: (call, party) => step(call.id, 'retrieve', (id) => core.calls.retrieve(id, party)),
    // The party who hung up clears first, then the others (the switch sent them the BYE).
    cleared: (call, by) =>
      step(
        call.id,
        'clear',
        async (id) => {
          const left = by ? await core.calls.clear(id, by) : undefined;
          if (!left || left.connections.some(isLive)) await core.calls.clear(id);
        },
        true,
      ),
    failed: (call, cause) =>
      step(
        call.id,
        'fail',
        async (id) => {
          await core.calls.fail(id, cause);
          await core.calls.clear(id);
        },
        true,
      ),
  };
}
