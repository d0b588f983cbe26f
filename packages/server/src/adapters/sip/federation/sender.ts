// Who sent an out-of-dialog INVITE or SUBSCRIBE: a device of one of our tenants (digest, 407), or
// a user of a federated domain (its server's verified TLS connection, no challenge). A foreign
// domain that is not a peer, one that fails the TLS check, or one the tenant blocks
// (`core/federation`) gets 403 and a log line: never a challenge a stranger could answer by guessing.
import type { Services } from '../../../compose.js';
import type { SipCredentials } from '../../../core/devices/service.js';
import { federates } from '../../../core/federation/model.js';
import type { Watcher } from '../../../core/presence/watchers.js';
import { watcherOf } from '../../../core/presence/watchers.js';
import type { Tenant } from '../../../core/tenants/model.js';
import type { User } from '../../../core/users/model.js';
import { isSipUri, respond, type SipRequest, type SipResponse } from '../message/index.js';
import { authenticateCaller } from '../registrar/caller.js';
import type { DigestOptions } from '../registrar/digest.js';
import { notFoundAs } from '../registrar/registrar.js';
import type { Flow } from '../transport/flow.js';
import type { SipFederation } from './peers.js';

export type Sender =
  | { ok: true; kind: 'device'; tenant: Tenant; user: User; device: SipCredentials; watcher: Watcher }
  | {
      ok: true;
      kind: 'peer';
      /** The tenant the request is for (its Request-URI's domain). */
      tenant: Tenant;
      /** `user@domain` of the sender at the peer. */
      address: string;
      display?: string;
      watcher: Watcher;
    }
  | { ok: false; response: SipResponse };

/**
 * The sender of `request`. From one of our domains: a device proven by digest. From a federated
 * domain: the request must come over a connection whose verified certificate names that domain,
 * and be for one of our domains (no relaying).
 */
export async function senderOf(
  core: Services,
  digest: DigestOptions,
  federation: SipFederation,
  request: SipRequest,
  flow: Flow,
  newTag: () => string,
): Promise<Sender> {
  const refuse = (reason: string): Sender => ({
    ok: false,
    response: respond(request, 403, `Forbidden (${reason})`, { toTag: newTag() }),
  });
  const from = request.from.uri;
  const fromTenant = isSipUri(from) ? await core.tenants.byDomain(from.host).catch(notFoundAs(undefined)) : undefined;
  if (isSipUri(from) && !fromTenant) {
    const verdict = federation.sender(from.host, flow, request.method);
    if (!verdict.trusted) return refuse('requests from that domain are not accepted');
    const to = request.uri;
    const tenant = isSipUri(to) ? await core.tenants.byDomain(to.host).catch(notFoundAs(undefined)) : undefined;
    if (!tenant || from.user === undefined) return refuse('no such domain here');
    if (!federates(await core.federation.trustOf(tenant.id, verdict.peer.domain)))
      return refuse('requests from that domain are not accepted');
    const address = `${from.user}@${verdict.peer.domain}`;
    const display = request.from.displayName?.trim();
    return {
      ok: true,
      kind: 'peer',
      tenant,
      address,
      ...(display && { display }),
      watcher: { tenantId: null, userId: null, address },
    };
  }
  const auth = await authenticateCaller(core, digest, request, flow, newTag, fromTenant);
  return auth.ok ? { ...auth, kind: 'device', watcher: watcherOf(auth.user) } : auth;
}
