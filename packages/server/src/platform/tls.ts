// Server certificates: a configured PEM pair, or a self-signed one made once and kept in the data
// folder (for the demo and for tests; phones must be told to accept it, or given a real one).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import selfsigned from 'selfsigned';

export interface Certificate {
  cert: string;
  key: string;
  /** Whether it was generated here (self-signed). */
  selfSigned: boolean;
}

export interface CertificateSource {
  /** PEM files from the configuration; both or neither. */
  certFile?: string;
  keyFile?: string;
  /** Where a generated certificate is kept (`<dataDir>/tls/<name>.{cert,key}.pem`). */
  dataDir: string;
  /** File name stem of the generated pair, e.g. `sip`. */
  name: string;
  /** Host names and addresses the generated certificate names. */
  hosts: string[];
}

/** Reads the configured certificate, or the generated one, generating it on first use. */
export async function loadCertificate(source: CertificateSource): Promise<Certificate> {
  if (source.certFile || source.keyFile) {
    if (!source.certFile || !source.keyFile) throw new Error('a TLS certificate needs both `cert` and `key` files');
    return {
      cert: readFileSync(source.certFile, 'utf8'),
      key: readFileSync(source.keyFile, 'utf8'),
      selfSigned: false,
    };
  }
  const dir = join(source.dataDir, 'tls');
  const certPath = join(dir, `${source.name}.cert.pem`);
  const keyPath = join(dir, `${source.name}.key.pem`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), selfSigned: true };
  }
  const hosts = [...new Set(source.hosts)];
  const pems = await selfsigned.generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 5 * 365 * 86_400_000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
      },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}

/** The certificate authorities a federated server may chain to: the system's, and those of `caFile` (a private CA). */
export const trustedCas = (caFile?: string): string[] => [
  ...rootCertificates,
  ...(caFile ? [readFileSync(caFile, 'utf8')] : []),
];
