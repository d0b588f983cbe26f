import { promises as dns, type LookupAddress } from 'node:dns';
import type { FederationCheckResult } from '@parley/api';
import type { Config } from '../../../platform/config/schema.js';
import { OutboundPolicy } from '../../../platform/outbound.js';
import { trustedCas } from '../../../platform/tls.js';
import type { S2sProbe } from '../s2s/probe.js';
import { checkFederation } from './check.js';
import type { Srv } from './steps.js';

/** Runs the federation check of `domain`, our stream saying it comes `from` one of our domains. */
export type FederationChecker = (domain: string, from?: string) => Promise<FederationCheckResult>;

/** How this server reaches federated domains: the check and s2s streams alike. */
export interface FederationNet {
  /** The one outbound policy, resolving names with the same DNS servers as `resolveSrv`. */
  outbound: Pick<OutboundPolicy, 'resolve'>;
  /** SRV lookup (node:dns `Resolver.resolveSrv`); ENOTFOUND/ENODATA mean "none published". */
  resolveSrv(name: string): Promise<Srv[]>;
  /** Authorities a peer's certificate may chain to: the system's and `federation.caFile`. */
  ca: readonly string[];
  /** Bound of each network wait (a lookup, a connect, a handshake). */
  timeoutMs: number;
}

/**
 * `federation.dnsServers` for every lookup (the system's resolver otherwise), `federation.caFile`,
 * `outbound.allow`, `federation.checkTimeoutSeconds`.
 */
export function federationNet(config: Pick<Config, 'federation' | 'outbound'>): FederationNet {
  const timeoutMs = config.federation.checkTimeoutSeconds * 1000;
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
  const servers = config.federation.dnsServers;
  if (servers.length > 0) resolver.setServers(servers);
  const addresses = async (host: string): Promise<LookupAddress[]> => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const found = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (found.length === 0 && v4.status === 'rejected') throw v4.reason;
    return found;
  };
  return {
    outbound: new OutboundPolicy(config.outbound.allow, servers.length > 0 ? { resolver: addresses } : {}),
    resolveSrv: (name) => resolver.resolveSrv(name),
    ca: trustedCas(config.federation.caFile),
    timeoutMs,
  };
}

/**
 * The federation check as configured (`federationNet`); `probe` (the running server's s2s) makes
 * its authentication and ping steps real.
 * @example const result = await federationChecker(config, xmpp.probe)('partner.example', 'example.test');
 */
export function federationChecker(
  config: Pick<Config, 'federation' | 'outbound'>,
  probe?: S2sProbe,
): FederationChecker {
  const net = federationNet(config);
  return (domain, from) => checkFederation(domain, { ...net, ...(from && { from }), probe, now: Date.now });
}
