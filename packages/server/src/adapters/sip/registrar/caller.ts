// Who sent a request: one of the domain's devices, proven by digest (RFC 3261 §22.3, 407).
import type { Services } from '../../../compose.js';
import type { SipCredentials } from '../../../core/devices/service.js';
import type { Tenant } from '../../../core/tenants/model.js';
import type { User } from '../../../core/users/model.js';
import { isSipUri, respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { Flow } from '../transport/flow.js';
import { checkDigest, type DigestOptions } from './digest.js';
import { notFoundAs } from './registrar.js';

export type Caller =
  | { ok: true; tenant: Tenant; user: User; device: SipCredentials }
  | { ok: false; response: SipResponse };

/**
 * The sender of an INVITE, MESSAGE, SUBSCRIBE or PUBLISH: its From names one of our domains and
 * it answers a 407 challenge with the secret of one of that tenant's devices, whose owner is the
 * user it acts for. Requests from other domains are refused (federation/sender.ts takes those
 * from peers first). `fromTenant`: the From domain's tenant when the caller looked it up already.
 */
export async function authenticateCaller(
  core: Services,
  digest: DigestOptions,
  request: SipRequest,
  flow: Flow,
  newTag: () => string,
  fromTenant?: Tenant,
): Promise<Caller> {
  const refuse = (status: number, reason: string): Caller => ({
    ok: false,
    response: respond(request, status, reason, { toTag: newTag() }),
  });
  const from = request.from.uri;
  if (!isSipUri(from)) return refuse(403, 'Forbidden (From is not a SIP URI)');
  const tenant = fromTenant ?? (await core.tenants.byDomain(from.host).catch(notFoundAs(undefined)));
  if (!tenant) return refuse(403, 'Forbidden (requests from other domains are not accepted)');
  const auth = await checkDigest(digest, request, from.host, tenant.id, flow.remote.address, true);
  if (!auth.ok) return auth;
  const user = await core.users.get(tenant.id, auth.device.userId);
  return { ok: true, tenant, user, device: auth.device };
}
