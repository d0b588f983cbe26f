// The XMPP listeners' certificates: one per tenant domain from the configuration, chosen by the
// name the peer asks for (SNI; a service such as `conference.DOMAIN` gets its domain's), and a
// self-signed one for every other name (the demo). Between servers the same certificates are
// presented both ways, with the authorities a peer's certificate may chain to.
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { XmppConfig } from '../../platform/config/xmpp-schema.js';
import { loadCertificate } from '../../platform/tls.js';

interface Pem {
  cert: string;
  key: string;
}

export interface XmppCertificates {
  /** Server-side TLS options: the default certificate and the SNI choice. */
  options: TlsOptions & { secureContext: SecureContext };
  /** Whether the default certificate was generated here. */
  selfSigned: boolean;
  /**
   * The context presenting `domain`'s certificate and trusting `ca` for the peer's (s2s: the
   * server side asks for the peer's certificate; the client side presents ours).
   */
  contextFor(domain: string, ca: readonly string[]): SecureContext;
  /** Server-side options whose SNI choice also trusts `ca` for the peer's certificate (s2s). */
  peerOptions(ca: readonly string[]): TlsOptions & { secureContext: SecureContext };
}

/** Loads the configured certificates and the default one (generated once when needed). */
export async function xmppCertificates(
  config: Pick<XmppConfig, 'certificates'>,
  source: { dataDir: string; domains: string[] },
): Promise<XmppCertificates> {
  const byDomain = new Map<string, Pem>();
  for (const c of config.certificates) {
    byDomain.set(c.domain.toLowerCase(), { cert: readFileSync(c.cert, 'utf8'), key: readFileSync(c.key, 'utf8') });
  }
  const first = config.certificates[0];
  const fallback = await loadCertificate({
    certFile: first?.cert,
    keyFile: first?.key,
    dataDir: source.dataDir,
    name: 'xmpp',
    hosts: [...source.domains, 'localhost', '127.0.0.1'],
  });
  const pemOf = (name: string): Pem => {
    const d = name.toLowerCase();
    return byDomain.get(d) ?? byDomain.get(d.slice(d.indexOf('.') + 1)) ?? fallback;
  };
  const contexts = new Map<string, SecureContext>();
  const contextFor = (name: string, ca: readonly string[] = []) => {
    const pem = pemOf(name);
    const key = `${ca.length}|${pem.cert}`;
    let context = contexts.get(key);
    if (!context) {
      context = createSecureContext({ ...pem, ...(ca.length > 0 && { ca: [...ca] }) });
      contexts.set(key, context);
    }
    return context;
  };
  const optionsWith = (ca: readonly string[] = []): TlsOptions & { secureContext: SecureContext } => ({
    cert: fallback.cert,
    key: fallback.key,
    secureContext: contextFor('', ca),
    SNICallback: (name, done) => done(null, contextFor(name, ca)),
  });
  return {
    selfSigned: fallback.selfSigned,
    options: optionsWith(),
    contextFor,
    peerOptions: (ca) => ({ ...optionsWith(ca), ca: [...ca], requestCert: true, rejectUnauthorized: false }),
  };
}
