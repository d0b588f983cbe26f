// Calls across domains: a federated caller as a party of the core's call (someone outside, by
// SIP URI), and a device's call to a federated user, placed as one leg over TLS to the peer.
import type { Services } from '../../../compose.js';
import type { User } from '../../../core/users/model.js';
import type { Logger } from '../../../platform/log.js';
import type { BackToBackCall } from '../b2bua/call.js';
import { newTag } from '../b2bua/leg.js';
import { deviceParty } from '../b2bua/target.js';
import type { CallParty } from '../b2bua/types.js';
import { respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { SipFederation } from './peers.js';
import type { Sender } from './sender.js';

type Known = Extract<Sender, { ok: true }>;

/** A display name as a quoted string (RFC 3261 §25.1). */
const quoted = (display: string) => `"${display.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** A name-addr (RFC 3261 §25.1): the quoted display name, when there is one, and the URI in brackets. */
export const nameAddr = (uri: string, display?: string) => `${display ? `${quoted(display)} ` : ''}<${uri}>`;

/** A user's name-addr: their display name and SIP address. */
export const userNameAddr = (user: User) => nameAddr(`sip:${user.local}@${user.domain}`, user.displayName);

/** The sender as a party of the call: its device on its line, or the federated user by address. */
export const senderParty = (core: Services, s: Known): Promise<CallParty> =>
  s.kind === 'device'
    ? deviceParty(core, s.user, s.device.deviceId)
    : Promise.resolve({ uri: `sip:${s.address}`, ...(s.display && { display: s.display }) });

/** The From of the legs we place for the sender's call (its address, as the callee's phone shows it). */
export function senderFrom(s: Known): string {
  return s.kind === 'device' ? userNameAddr(s.user) : nameAddr(`sip:${s.address}`, s.display);
}

/** What placing a call needs of the switch. */
export interface CallPlacer {
  place(request: SipRequest, tx: ServerTransaction<Flow>, caller: CallParty): BackToBackCall;
  track(call: BackToBackCall): void;
}

/**
 * A device calls `user@domain` of a federated domain: one leg to the peer's server over TLS,
 * whose answers are the caller's. 503 when no server of the domain is reached.
 */
export async function callPeer(
  sw: CallPlacer,
  o: { core: Services; federation: SipFederation; log: Logger },
  c: { request: SipRequest; tx: ServerTransaction<Flow>; sender: Known; user: string; domain: string },
): Promise<SipResponse | undefined> {
  let flow: Flow;
  try {
    flow = await o.federation.flowTo(c.domain);
  } catch (err) {
    o.log.warn(
      { domain: c.domain, err: err instanceof Error ? err.message : String(err) },
      'SIP call to a peer failed',
    );
    return respond(c.request, 503, 'Service Unavailable (the other domain is not reachable)', { toTag: newTag() });
  }
  const address = `sip:${c.user}@${c.domain}`;
  const party: CallParty = { uri: address };
  const call = sw.place(c.request, c.tx, await senderParty(o.core, c.sender));
  call.start([{ party, contact: address, flow, route: [] }], senderFrom(c.sender), `<${address}>`, {
    tenantId: c.sender.tenant.id,
    dialled: `${c.user}@${c.domain}`,
    party,
  });
  sw.track(call);
  return undefined;
}
