// Who another domain's server is (RFC 5922: domain certificates in SIP) and whether a request
// from another domain is taken: only from a configured peer, over TLS, with a verified
// certificate that names the From's domain. Nothing here is challenged with a digest.
import type { TransportName } from '../transport/flow.js';

/** A domain the system admin federates with (`sip.federation.peers`). */
export interface FederationPeer {
  domain: string;
  /** `host:port` of its SIP over TLS server; without it DNS says. */
  address?: string;
}

/** The parts of a peer certificate (node:tls `PeerCertificate`) its identities come from. */
export interface CertificateIdentity {
  subject?: { CN?: string | string[] } | null;
  /** As node renders it: `DNS:a.example, IP Address:192.0.2.1, URI:sip:a.example`. */
  subjectaltname?: string;
}

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');

/**
 * The domains a certificate speaks for (RFC 5922 §7.1): its subjectAltName DNS names (and the
 * host of a `sip:` URI name), or the subject's CN only when it has no subjectAltName at all.
 */
export function certificateNames(cert: CertificateIdentity): string[] {
  const san = cert.subjectaltname?.trim();
  if (san) {
    const names = san.split(/,\s*/).flatMap((entry) => {
      const dns = /^DNS:(.+)$/i.exec(entry);
      if (dns?.[1]) return [lower(dns[1])];
      const uri = /^URI:sip:([^;>?@]+)$/i.exec(entry);
      return uri?.[1] ? [lower(uri[1])] : [];
    });
    return [...new Set(names)];
  }
  const cn = cert.subject?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  return first ? [lower(first)] : [];
}

/** Whether the names include `domain`: exactly, since RFC 5922 §7.2 takes no wildcards. */
export const namesDomain = (names: readonly string[], domain: string): boolean => names.includes(lower(domain));

/** The peer configured for `domain`, if any. */
export const peerOf = (peers: readonly FederationPeer[], domain: string): FederationPeer | undefined =>
  peers.find((p) => p.domain === lower(domain));

export type ForeignSender = { trusted: true; peer: FederationPeer } | { trusted: false; reason: string };

/**
 * Whether a request whose From names `domain` (one no tenant serves) is taken as that domain's:
 * the domain is a configured peer, the request came over TLS, and the certificate the connection
 * presented verified and names the domain.
 */
export function foreignSender(
  domain: string,
  flow: { transport: TransportName; peerNames?: readonly string[] },
  peers: readonly FederationPeer[],
): ForeignSender {
  const peer = peerOf(peers, domain);
  if (!peer) return { trusted: false, reason: 'not a federation peer' };
  if (flow.transport !== 'TLS') return { trusted: false, reason: 'a peer must come over TLS' };
  if (!flow.peerNames) return { trusted: false, reason: 'no verified client certificate' };
  if (!namesDomain(flow.peerNames, domain))
    return { trusted: false, reason: 'the certificate does not name the domain' };
  return { trusted: true, peer };
}
