// The XMPP listeners' certificates: one per tenant domain from the configuration, chosen by the
// name the client asks for (SNI), and a self-signed one for every other name (the demo). Without a
// configured default, a domain served here that the generated default does not name (a tenant
// created later, or given another domain) gets its own self-signed certificate on first use.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { XmppConfig } from '../../platform/config/xmpp-schema.js';
import { loadCertificate } from '../../platform/tls.js';

export interface XmppCertificates {
  /** Server-side TLS options: the default certificate and the SNI choice. */
  options: TlsOptions & { secureContext: SecureContext };
  /** Whether the default certificate was generated here. */
  selfSigned: boolean;
}

/** A name a generated certificate may be kept under (a DNS name, as tenant domains are). */
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/;

/**
 * Loads the configured certificates and the default one (generated once when needed).
 * `hosted` says whether a name the client asks for is a domain served here.
 */
export async function xmppCertificates(
  config: Pick<XmppConfig, 'certificates'>,
  source: { dataDir: string; domains: string[]; hosted(domain: string): Promise<boolean> },
): Promise<XmppCertificates> {
  const byDomain = new Map<string, SecureContext>();
  for (const c of config.certificates) {
    byDomain.set(
      c.domain.toLowerCase(),
      createSecureContext({ cert: readFileSync(c.cert, 'utf8'), key: readFileSync(c.key, 'utf8') }),
    );
  }
  const first = config.certificates[0];
  const fallback = await loadCertificate({
    certFile: first?.cert,
    keyFile: first?.key,
    dataDir: source.dataDir,
    name: 'xmpp',
    hosts: [...source.domains, 'localhost', '127.0.0.1'],
  });
  const secureContext = createSecureContext({ cert: fallback.cert, key: fallback.key });
  const generated = new Map<string, Promise<SecureContext>>();
  const named = new X509Certificate(fallback.cert);
  /** The context for a name no configured certificate has. */
  const other = async (name: string): Promise<SecureContext> => {
    if (!fallback.selfSigned || !DOMAIN.test(name) || named.checkHost(name)) return secureContext;
    if (!(await source.hosted(name))) return secureContext;
    let ctx = generated.get(name);
    if (!ctx) {
      ctx = loadCertificate({ dataDir: source.dataDir, name: `xmpp-${name}`, hosts: [name] }).then((c) =>
        createSecureContext({ cert: c.cert, key: c.key }),
      );
      generated.set(name, ctx);
      ctx.catch(() => generated.delete(name));
    }
    return ctx;
  };
  return {
    selfSigned: fallback.selfSigned,
    options: {
      cert: fallback.cert,
      key: fallback.key,
      secureContext,
      SNICallback: (servername, done) => {
        const name = servername.toLowerCase();
        const configured = byDomain.get(name);
        if (configured) return done(null, configured);
        other(name).then(
          (ctx) => done(null, ctx),
          (err: Error) => done(err),
        );
      },
    },
  };
}
