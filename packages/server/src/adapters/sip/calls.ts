// The switch's calls reported to the core: every step of a call becomes the core's call model.
import type { Services } from '../../compose.js';
import type { Logger } from '../../platform/log.js';
import type { CallSink } from './b2bua/types.js';

/** A sink that logs each step (the core's call model takes these once it exists). */
export function coreCallSink(_core: Services, log: Logger): CallSink {
  return {
    originated: (call, caller) => log.info({ callId: call.id, caller: caller.uri }, 'call originated'),
    delivered: (call, party) =>
      log.info({ callId: call.id, party: party.uri, device: party.deviceId }, 'call delivered'),
    established: (call, party) =>
      log.info({ callId: call.id, party: party.uri, device: party.deviceId }, 'call established'),
    held: (call, party) => log.info({ callId: call.id, party: party.uri }, 'call held'),
    retrieved: (call, party) => log.info({ callId: call.id, party: party.uri }, 'call retrieved'),
    cleared: (call, by) => log.info({ callId: call.id, by: by?.uri }, 'call cleared'),
    failed: (call, cause) => log.info({ callId: call.id, cause }, 'call failed'),
  };
}
