// Calls over a tenant's SIP trunk: a number outside the tenant is one fork to the provider's
// gateway (its digest challenge answered with the trunk's credentials), and a request from a
// trunk is known by its source address.
import type { Services } from '../../../compose.js';
import type { Party } from '../../../core/calls/model.js';
import type { Trunk, TrunkRoute } from '../../../core/trunks/model.js';
import type { Logger } from '../../../platform/log.js';
import { newTag } from '../b2bua/leg.js';
import type { ForkTarget } from '../b2bua/parts.js';
import type { Target } from '../b2bua/target.js';
import { resolveTarget } from '../b2bua/target.js';
import { type CallPlacer, nameAddr } from '../federation/calls.js';
import { isSipUri, respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';

/** Opens (or reuses) the flow to a trunk's checked address; undefined when this node cannot. */
export type TrunkFlowFor = (route: TrunkRoute) => Promise<Flow | undefined>;

/** RFC 3323 §4.1.1.3: the From of a call whose number is not shown. */
const ANONYMOUS = 'sip:anonymous@anonymous.invalid';

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

/** What calls over a trunk need of the switch: placing a call, and ringing a line of the tenant. */
export interface TrunkSwitch extends CallPlacer {
  ring(
    request: SipRequest,
    tx: ServerTransaction<Flow>,
    c: { target: Target; caller: Party; from: string; to: string; dialled: string },
  ): Promise<SipResponse | undefined>;
}

/**
 * A call from a trunk (known by its source address) to a DID of its tenant (of the first of
 * `trunks` whose tenant has that DID): rings that line as any call does; the caller is the
 * external number, as E.164 under the tenant's plan.
 */
export async function callFromTrunk(
  sw: TrunkSwitch,
  core: Services,
  c: { request: SipRequest; tx: ServerTransaction<Flow>; trunks: Trunk[] },
): Promise<SipResponse | undefined> {
  const { request } = c;
  const uri = request.uri;
  if (!isSipUri(uri) || uri.user === undefined) return respond(request, 404, 'Not Found', { toTag: newTag() });
  let found: { trunk: Trunk; target: Target } | undefined;
  for (const trunk of c.trunks) {
    const target = await resolveTarget(core, trunk.tenantId, uri.user, uri.host);
    if (target?.line) {
      found = { trunk, target };
      break;
    }
  }
  if (!found) return respond(request, 404, 'Not Found', { toTag: newTag() });
  const { trunk, target } = found;
  const from = request.from.uri;
  const raw = isSipUri(from) && from.user !== undefined && from.user !== 'anonymous' ? from.user : undefined;
  const number = raw === undefined ? undefined : await core.trunks.callerNumber(trunk.tenantId, raw);
  const display = request.from.displayName?.trim();
  const address = number === undefined ? ANONYMOUS : `sip:${number}@${trunk.host}`;
  return sw.ring(request, c.tx, {
    target,
    caller: { ...(number !== undefined && { number }), uri: address, ...(display && { display }) },
    from: nameAddr(address, display),
    to: `<sip:${uri.user}@${uri.host}>`,
    dialled: uri.user,
  });
}

/** A device dials a number outside the tenant: one fork over the tenant's trunk (404 without one). */
export async function callOut(
  sw: CallPlacer,
  o: { core: Services; log: Logger; trunkFlows: TrunkFlowFor },
  c: {
    request: SipRequest;
    tx: ServerTransaction<Flow>;
    tenantId: string;
    dialled: string;
    caller: Party;
    from: string;
  },
): Promise<SipResponse | undefined> {
  const reply = (status: number, reason: string) => respond(c.request, status, reason, { toTag: newTag() });
  const e164 = await o.core.trunks.external(c.tenantId, c.dialled);
  if (!e164) return reply(404, 'Not Found');
  let target: ForkTarget | undefined;
  try {
    target = await trunkTarget(o.core, o.trunkFlows, { tenantId: c.tenantId, e164, caller: c.caller });
  } catch (err) {
    o.log.warn(
      { tenantId: c.tenantId, err: err instanceof Error ? err.message : String(err) },
      'SIP trunk not reachable',
    );
    return reply(503, 'Service Unavailable (the trunk is not reachable)');
  }
  if (!target) return reply(404, 'Not Found (no trunk for numbers outside)');
  const call = sw.place(c.request, c.tx, c.caller);
  call.start([target], c.from, target.as?.to ?? `<sip:${e164}>`, {
    tenantId: c.tenantId,
    dialled: c.dialled,
    party: target.party,
  });
  sw.track(call);
  return undefined;
}
