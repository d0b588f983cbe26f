// The XMPP listeners' certificates: one per tenant domain from the configuration, chosen by the
// name the peer asks for (SNI; a service such as `conference.DOMAIN` gets its domain's), and a
// self-signed one for every other name (the demo). Without a configured default, a domain served
// here that the generated default does not name (a tenant created later, or given another domain)
// gets its own self-signed certificate on first use. Between servers the same certificates are
// presented both ways, with the authorities a peer's certificate may chain to.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { XmppConfig } from '../../platform/config/xmpp-schema.js';
import { loadCertificate } from '../../platform/tls.js';
import { tlsServerEndPoint } from './c2s/end-point-hash.js';

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
  /**
   * The `tls-server-end-point` channel binding (RFC 5929 §4.1) of the certificate presented to a
   * client that asked for `servername` (SNI; none: the default), worked out once per certificate.
   */
  endPoint(servername: string | undefined): Buffer | undefined;
}

/** A name a generated certificate may be kept under (a DNS name, as tenant domains are). */
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/;

/**
 * Loads the configured certificates and the default one (generated once when needed).
 * `hosted` says whether a name a peer asks for is a domain served here.
 */
export async function xmppCertificates(
  config: Pick<XmppConfig, 'certificates'>,
  source: { dataDir: string; domains: string[]; hosted(domain: string): Promise<boolean> },
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
  /** Self-signed certificates made here for served names the default does not name. */
  const generated = new Map<string, Pem>();
  const pemOf = (name: string): Pem => {
    const d = name.toLowerCase();
    return byDomain.get(d) ?? byDomain.get(d.slice(d.indexOf('.') + 1)) ?? generated.get(d) ?? fallback;
  };
  const named = new X509Certificate(fallback.cert);
  const making = new Map<string, Promise<void>>();
  /** Makes (once) the certificate of a served name that neither the configuration nor the default has. */
  const generate = async (name: string): Promise<void> => {
    if (pemOf(name) !== fallback || !fallback.selfSigned || !DOMAIN.test(name) || named.checkHost(name)) return;
    if (!(await source.hosted(name))) return;
    let made = making.get(name);
    if (!made) {
      made = loadCertificate({ dataDir: source.dataDir, name: `xmpp-${name}`, hosts: [name] }).then((c) => {
        generated.set(name, { cert: c.cert, key: c.key });
      });
      making.set(name, made);
      made.catch(() => making.delete(name));
    }
    await made;
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
    SNICallback: (servername, done) => {
      const name = servername.toLowerCase();
      generate(name).then(
        () => done(null, contextFor(name, ca)),
        (err: Error) => done(err),
      );
    },
  });
  const endPoints = new Map<string, Buffer | undefined>();
  const endPoint = (servername = '') => {
    const { cert } = pemOf(servername);
    if (!endPoints.has(cert)) endPoints.set(cert, tlsServerEndPoint(new X509Certificate(cert).raw));
    return endPoints.get(cert);
  };
  return {
    selfSigned: fallback.selfSigned,
    endPoint,
    options: optionsWith(),
    contextFor,
    peerOptions: (ca) => ({ ...optionsWith(ca), ca: [...ca], requestCert: true, rejectUnauthorized: false }),
  };
}
