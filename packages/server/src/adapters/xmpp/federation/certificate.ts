// RFC 6125 §6 as XMPP server-to-server uses it (RFC 6120 §13.7.2.1): the identities a server
// certificate presents (DNS-IDs, SRV-IDs for `xmpp-server`, the CN only when it has no
// subjectAltName) and whether one of them is the domain. A wildcard stands for one leftmost label.

/** The parts of a certificate (node:tls `PeerCertificate`, node:crypto `X509Certificate`) the identities come from. */
export interface CertificateNames {
  subject?: { CN?: string | string[] } | null;
  /** As node renders it: `DNS:a.example, othername:SRVName:_xmpp-server.a.example, IP Address:192.0.2.1`. */
  subjectaltname?: string;
}

const canonical = (s: string) => s.toLowerCase().replace(/\.$/, '');

/** The DNS names a certificate speaks for, as written (`*.example.test` kept); SRV-IDs of other services left out. */
export function presentedIdentities(cert: CertificateNames): string[] {
  const san = cert.subjectaltname?.trim();
  if (san) {
    const names = san.split(/,\s*/).flatMap((entry) => {
      const dns = /^DNS:(.+)$/i.exec(entry);
      if (dns?.[1]) return [canonical(dns[1])];
      const srv = /^othername:SRVName:_xmpp-server\.(.+)$/i.exec(entry);
      return srv?.[1] ? [canonical(srv[1])] : [];
    });
    return [...new Set(names)];
  }
  const cn = cert.subject?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  return first ? [canonical(first)] : [];
}

/** Whether `identity` (maybe `*.example.test`) is `domain` (RFC 6125 §6.4.3: the wildcard is a whole leftmost label). */
export function identityMatches(identity: string, domain: string): boolean {
  const name = canonical(domain);
  if (!identity.startsWith('*.')) return identity === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === identity.slice(2) && identity.slice(2).includes('.');
}

/** Whether the certificate speaks for `domain`. */
export const certificateNamesDomain = (cert: CertificateNames, domain: string): boolean =>
  presentedIdentities(cert).some((id) => identityMatches(id, domain));
