// Calls over a tenant's SIP trunk: a number outside the tenant is one fork to the provider's
// gateway (its digest challenge answered with the trunk's credentials), and a request from a
// trunk is known by its source address.
import type { Services } from '../../../compose.js';
import type { Party } from '../../../core/calls/model.js';
import type { TrunkRoute } from '../../../core/trunks/model.js';
import type { ForkTarget } from '../b2bua/parts.js';
import { nameAddr } from '../federation/calls.js';
import type { Flow } from '../transport/flow.js';

/** Opens (or reuses) the flow to a trunk's checked address; undefined when this node cannot. */
export type TrunkFlowFor = (route: TrunkRoute) => Promise<Flow | undefined>;

/** RFC 3323 §4.1.1.3: the From of a call whose number is not shown. */
export const ANONYMOUS = 'sip:anonymous@anonymous.invalid';

/**
 * The fork that calls `e164` over the tenant's first trunk for `caller` (whose number is
 * presented as the trunk says), ringing as `party` (undefined: the external number itself).
 * Undefined when the tenant has no trunk or this node no way to it; throws OutboundRefusedError
 * when the outbound policy refuses the trunk's host.
 */
export async function trunkTarget(
  core: Services,
  flows: TrunkFlowFor,
  o: { tenantId: string; e164: string; caller?: Party; party?: Party },
): Promise<ForkTarget | undefined> {
  const route = await core.trunks.route(o.tenantId, o.e164, o.caller);
  if (!route) return undefined;
  const flow = await flows(route);
  if (!flow) return undefined;
  const { trunk, dial, presented } = route;
  const port = route.address.port;
  const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
  const host = trunk.host.includes(':') ? `[${trunk.host}]` : trunk.host;
  const to = `sip:${dial}@${host}`;
  return {
    party: o.party ?? { number: o.e164, uri: to },
    contact: `sip:${dial}@${host}:${port}${transport}`,
    flow,
    route: [],
    as: {
      from: nameAddr(presented ? `sip:${presented}@${host}` : ANONYMOUS, o.caller?.display),
      to: `<${to}>`,
    },
    ...(route.credentials && { credentials: route.credentials }),
  };
}
