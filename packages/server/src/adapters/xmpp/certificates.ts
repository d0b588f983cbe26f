// The XMPP listeners' certificates: one per tenant domain from the configuration, chosen by the
// name the client asks for (SNI), and a self-signed one for every other name (the demo).
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

/** Loads the configured certificates and the default one (generated once when needed). */
export async function xmppCertificates(
  config: Pick<XmppConfig, 'certificates'>,
  source: { dataDir: string; domains: string[] },
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
  return {
    selfSigned: fallback.selfSigned,
    options: {
      cert: fallback.cert,
      key: fallback.key,
      secureContext,
      SNICallback: (name, done) => done(null, byDomain.get(name.toLowerCase()) ?? secureContext),
    },
  };
}
