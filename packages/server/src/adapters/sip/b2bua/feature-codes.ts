// Feature codes a desk phone's user dials (the Asterisk/FreePBX convention): `*8` picks up the call
// ringing longest in the line's pickup group (GroupPickup), `**201` the call ringing at line 201
// (DirectedPickup). The dialling phone's own INVITE takes the call over, as a pickup by Replaces
// does; a call switched by another node of the cluster is picked up through the core instead.
import type { Services } from '../../../compose.js';
import type { Actor } from '../../../core/calls/control.js';
import { asParleyError } from '../../../core/errors.js';
import type { Logger } from '../../../platform/log.js';
import { senderParty } from '../federation/calls.js';
import type { Sender } from '../federation/sender.js';
import { respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { newTag } from './leg.js';
import type { ReplacingCall } from './replaces.js';
import { deviceParty } from './target.js';

export type FeatureCode = { kind: 'groupPickup' } | { kind: 'directedPickup'; at: string };

/** The feature code a dialled user part names, if any. */
export function featureCode(user: string): FeatureCode | undefined {
  if (user === '*8') return { kind: 'groupPickup' };
  const directed = /^\*\*([0-9]{1,15})$/.exec(user);
  return directed?.[1] === undefined ? undefined : { kind: 'directedPickup', at: directed[1] };
}

/** What a feature code needs of the switch. */
export interface PickupSwitch {
  readonly log: Logger;
  respond(tx: ServerTransaction<Flow>, response: SipResponse): void;
  /** The live call of a core call, when this node switches it. */
  callOfCore(coreCallId: string): ReplacingCall | undefined;
}

/**
 * A pickup feature code dialled by a device. The call is found for the device's user and line as
 * DirectedPickup and GroupPickup over CTI find it (none: 480 with the reason; an unknown line:
 * 404). Switched here, the dialling phone's INVITE takes it over (both legs parked, then
 * connected); switched elsewhere, or without an offer to connect, the phone is answered 603 and the
 * picked call rings its line with the auto-answer hints.
 */
export async function pickUpByCode(
  sw: PickupSwitch,
  core: Services,
  c: {
    request: SipRequest;
    tx: ServerTransaction<Flow>;
    sender: Extract<Sender, { kind: 'device' }>;
    code: FeatureCode;
  },
): Promise<SipResponse | undefined> {
  const { request, tx, sender, code } = c;
  const { user } = sender;
  const actor: Actor = { tenantId: user.tenantId, userId: user.id, scope: 'user' };
  const party = await deviceParty(core, user, sender.device.deviceId);
  const into = party.lineNumber === undefined ? {} : { into: party.lineNumber };
  let picked: Awaited<ReturnType<typeof core.control.pickable>>;
  try {
    picked = await core.control.pickable(actor, code.kind === 'directedPickup' ? { ...into, at: code.at } : into);
  } catch (err) {
    const known = asParleyError(err);
    if (!known) throw err;
    const [status, reason] =
      known.code === 'PARLEY_ERR_NOT_FOUND' ? [404, 'Not Found'] : [480, 'Temporarily Unavailable'];
    return respond(request, status, `${reason} (${known.message})`, { toTag: newTag() });
  }
  const here = sw.callOfCore(picked.call.id);
  if (here?.ringing && here.pickUp(request, tx, await senderParty(core, sender))) return undefined;
  sw.respond(tx, respond(request, 603, 'Decline (picked up: the call rings this line)', { toTag: newTag() }));
  core.control
    .pickup(actor, { callId: picked.call.id, into: picked.into.line.number })
    .catch((err: unknown) => sw.log.warn({ err, callId: picked.call.id }, 'feature code pickup failed'));
  return undefined;
}
