// Where the router sends what is not for this node's sessions (module.ts `Onward`): which domains
// this server serves, and the single-node defaults before federation and the cluster take over.
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import type { Jid } from '../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError } from './errors.js';
import type { Onward, XmppModule } from './module.js';
import type { XmlElement } from './xml/element.js';

/**
 * Whether `domain` is served here: a tenant's domain, or a service a module lists for one
 * (`conference.DOMAIN` in the MUC module's disco items). The tenant lookups are the core's cached ones.
 */
export function hostedDomains(core: Services, modules: readonly XmppModule[]): (domain: string) => Promise<boolean> {
  const tenantDomain = (domain: string) =>
    core.tenants.byDomain(domain).then(
      () => true,
      (err) => {
        if (err instanceof ParleyError && err.code === 'PARLEY_ERR_NOT_FOUND') return false;
        throw err;
      },
    );
  return async (domain) => {
    const d = domain.toLowerCase();
    if (await tenantDomain(d)) return true;
    const parent = d.slice(d.indexOf('.') + 1);
    if (!parent || parent === d || !(await tenantDomain(parent))) return false;
    return modules.some((m) => m.discoItems?.(parent).some((item) => item.jid.toLowerCase() === d));
  };
}

/**
 * A single node without federation: other nodes have nothing, and a stanza for another server
 * bounces with `remote-server-not-found` (RFC 6120 §8.3.3.15) back through `route`.
 */
export function standaloneOnward(hosts: Onward['hosts'], route: (stanza: XmlElement) => Promise<unknown>): Onward {
  return {
    hosts,
    nodes: async () => false,
    remote(stanza: XmlElement, to: Jid) {
      if (!mayReplyWithError(stanza)) return;
      void route(errorReply(stanza, new StanzaError('remote-server-not-found', `${to.domain} is not federated with`)));
    },
  };
}
