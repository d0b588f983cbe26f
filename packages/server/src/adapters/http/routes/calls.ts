import type { Services } from '../../../compose.js';
import type { Actor } from '../../../core/calls/control.js';
import type { Principal } from '../../../core/sessions/service.js';
import { callView } from '../../views/calls.js';
import type { Handlers } from '../types.js';

/** Over REST a user controls their own lines' calls (CTI applications with tenant scope use CSTA). */
export const actorOf = ({ user }: Principal): Actor => ({ tenantId: user.tenantId, userId: user.id, scope: 'user' });

/** Call control (ECMA-269 services) for the signed-in user. */
export const callHandlers = (
  core: Services,
): Handlers<
  | 'calls.list'
  | 'calls.make'
  | 'calls.get'
  | 'calls.answer'
  | 'calls.clear'
  | 'calls.hold'
  | 'calls.retrieve'
  | 'calls.alternate'
  | 'calls.reconnect'
  | 'calls.consult'
  | 'calls.transfer'
  | 'calls.conference'
  | 'calls.deflect'
  | 'calls.digits'
  | 'calls.pickup'
  | 'calls.groupPickup'
> => {
  const { control } = core;
  const view = (principal: Principal) => (call: Parameters<typeof callView>[0]) => callView(call, principal.user.id);
  return {
    'calls.list': async ({ principal }) => ({ calls: control.calls(actorOf(principal)).map(view(principal)) }),
    'calls.make': async ({ principal, body }) => view(principal)(await control.makeCall(actorOf(principal), body)),
    'calls.get': async ({ principal, params }) => view(principal)(control.call(actorOf(principal), params.id)),
    'calls.answer': async ({ principal, params, body }) =>
      view(principal)(await control.answer(actorOf(principal), params.id, body.device)),
    'calls.clear': async ({ principal, params, body }) =>
      view(principal)(await control.clear(actorOf(principal), params.id, body.device)),
    'calls.hold': async ({ principal, params, body }) =>
      view(principal)(await control.hold(actorOf(principal), params.id, body.device)),
    'calls.retrieve': async ({ principal, params, body }) =>
      view(principal)(await control.retrieve(actorOf(principal), params.id, body.device)),
    'calls.alternate': async ({ principal, params, body }) =>
      view(principal)(await control.alternate(actorOf(principal), params.id, body.call, body.device)),
    'calls.reconnect': async ({ principal, params, body }) =>
      view(principal)(await control.reconnect(actorOf(principal), params.id, body.call, body.device)),
    'calls.consult': async ({ principal, params, body }) =>
      view(principal)(await control.consult(actorOf(principal), params.id, body.to, body.device)),
    'calls.transfer': async ({ principal, params, body }) =>
      view(principal)(
        body.call !== undefined
          ? await control.transfer(actorOf(principal), params.id, body.call, body.device)
          : await control.singleStepTransfer(actorOf(principal), params.id, body.to ?? '', body.device),
      ),
    'calls.conference': async ({ principal, params, body }) =>
      view(principal)(await control.conference(actorOf(principal), params.id, body.call, body.device)),
    'calls.deflect': async ({ principal, params, body }) =>
      view(principal)(await control.deflect(actorOf(principal), params.id, body.to, body.device)),
    'calls.digits': async ({ principal, params, body }) =>
      view(principal)(await control.digits(actorOf(principal), params.id, body.digits, body.device)),
    'calls.pickup': async ({ principal, params, body }) =>
      view(principal)(await control.pickup(actorOf(principal), { callId: params.id, into: body.device })),
    'calls.groupPickup': async ({ principal, body }) =>
      view(principal)(await control.pickup(actorOf(principal), { into: body.device })),
  };
};
