// The federation check's steps and their outcomes (issue 15): each says what it found in words an
// admin understands, with a code the web app words in the reader's language.
import type { FederationCheckStep } from '@parley/api';
import { certificateNamesDomain, presentedIdentities } from './certificate.js';

export type CheckStep = FederationCheckStep;
export type StepName = CheckStep['step'];
export const STEP_NAMES: readonly StepName[] = ['dns', 'tcp', 'tls', 'certificate', 'authentication', 'ping'];

export const ok = (step: StepName, code: string, message: string, detail: Record<string, string> = {}): CheckStep => ({
  step,
  outcome: 'ok',
  code,
  message,
  detail,
});
export const failed = (
  step: StepName,
  code: string,
  message: string,
  detail: Record<string, string> = {},
): CheckStep => ({
  step,
  outcome: 'failed',
  code,
  message,
  detail,
});

/** A step not run because an earlier one failed. */
export const skippedAfter = (step: StepName, failedStep: StepName): CheckStep => ({
  step,
  outcome: 'skipped',
  code: 'after-failure',
  message: `not run: the ${failedStep} step failed`,
  detail: { failed: failedStep },
});

/** One SRV record (node:dns `SrvRecord`). */
export interface Srv {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Where a server of the domain may listen: from SRV, or the domain itself at 5269. */
export interface Target {
  host: string;
  port: number;
  /** `_xmpps-server` (XEP-0368): TLS from the first byte; else the stream and STARTTLS. */
  directTls: boolean;
}

/**
 * The targets to try in order (RFC 6120 §3.2.1, XEP-0368): both SRV sets by priority, direct TLS
 * first at equal priority, heavier first; a lone `.` target says the service is not offered.
 * Without any SRV record, the domain itself at 5269.
 */
export function targetsOf(domain: string, xmpps: readonly Srv[], xmpp: readonly Srv[]): Target[] {
  const offered = (records: readonly Srv[]) => (records.length === 1 && records[0]?.name === '.' ? [] : records);
  const all = [
    ...offered(xmpps).map((r) => ({ ...r, directTls: true })),
    ...offered(xmpp).map((r) => ({ ...r, directTls: false })),
  ].filter((r) => r.name !== '.');
  if (xmpps.length === 0 && xmpp.length === 0) return [{ host: domain, port: 5269, directTls: false }];
  return all
    .sort((a, b) => a.priority - b.priority || Number(b.directTls) - Number(a.directTls) || b.weight - a.weight)
    .map((r) => ({ host: r.name.replace(/\.$/, '').toLowerCase(), port: r.port, directTls: r.directTls }));
}

/** What node's TLS said of a certificate, and its dates. */
export interface PresentedCertificate {
  subject?: { CN?: string | string[] } | null;
  subjectaltname?: string;
  /** As node renders them: `Jan  1 00:00:00 2026 GMT`. */
  valid_from: string;
  valid_to: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * The certificate step: dates, then the name (RFC 6125 DNS-ID or `xmpp-server` SRV-ID), then the
 * chain against the system's authorities and `federation.caFile` (`chainError`: node's
 * `authorizationError`, null when the chain verified).
 */
export function judgeCertificate(
  cert: PresentedCertificate,
  chainError: string | null,
  domain: string,
  now: number,
): CheckStep {
  const from = Date.parse(cert.valid_from);
  const to = Date.parse(cert.valid_to);
  if (to < now)
    return failed('certificate', 'cert-expired', `the certificate expired on ${day(to)}`, { date: day(to) });
  if (from > now)
    return failed('certificate', 'cert-not-yet-valid', `the certificate is not valid before ${day(from)}`, {
      date: day(from),
    });
  if (!certificateNamesDomain(cert, domain)) {
    const names = presentedIdentities(cert).join(', ') || 'no name';
    return failed('certificate', 'cert-wrong-name', `the certificate is for ${names}, not ${domain}`, {
      names,
      domain,
    });
  }
  if (chainError === 'DEPTH_ZERO_SELF_SIGNED_CERT')
    return failed('certificate', 'cert-self-signed', 'the certificate is self-signed: no authority vouches for it');
  if (chainError && UNTRUSTED.has(chainError))
    return failed(
      'certificate',
      'cert-untrusted',
      'the certificate is not signed by an authority this server trusts (a private authority goes into federation.caFile)',
    );
  if (chainError)
    return failed('certificate', 'cert-invalid', `the certificate did not verify (${chainError})`, {
      reason: chainError,
    });
  return ok('certificate', 'cert-valid', `the certificate is valid for ${domain} until ${day(to)}`, {
    domain,
    date: day(to),
  });
}
