// What an LDAP connector's failures mean for an admin: ldapts' result codes, socket and TLS errors
// and AD's bind diagnostics turned into one message naming the setting to change.
import {
  AdminLimitExceededError,
  ConfidentialityRequiredError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ProtocolError,
  ResultCodeError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  UnavailableError,
} from 'ldapts';
import { OutboundRefusedError } from '../../platform/outbound.js';

export type LdapErrorReason =
  | 'connect'
  | 'tls'
  | 'credentials'
  | 'base'
  | 'filter'
  | 'limit'
  | 'access'
  | 'timeout'
  | 'server';

/** A failure with a message an admin can act on (and the reason, for the UI). */
export class LdapSourceError extends Error {
  override name = 'LdapSourceError';
  constructor(
    message: string,
    readonly reason: LdapErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What AD's "data NNN" in an invalidCredentials diagnostic means. */
const AD_BIND_DATA: Record<string, string> = {
  '525': 'user not found',
  '52e': 'wrong password',
  '530': 'logon not permitted at this time',
  '531': 'logon not permitted from this workstation',
  '532': 'password expired',
  '533': 'account disabled',
  '701': 'account expired',
  '773': 'password must be changed',
  '775': 'account locked out',
};

const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** What the connector was doing when it failed. */
export type Phase = 'connect' | 'starttls' | 'bind' | 'rootdse' | 'base' | 'search';

/** Turns whatever ldapts or the socket threw into an LdapSourceError with a clear message. */
export function describeLdapError(
  err: unknown,
  at: { url: string; bindDn: string; baseDn: string; phase: Phase; timeoutMs: number; entries?: number },
): LdapSourceError {
  if (err instanceof LdapSourceError) return err;
  if (err instanceof OutboundRefusedError) return new LdapSourceError(err.message, 'connect', { cause: err });
  const e = err as NodeJS.ErrnoException & { code?: string | number };
  const detail = (e?.message ?? String(err)).trim();
  const make = (message: string, reason: LdapErrorReason) => new LdapSourceError(message, reason, { cause: err });
  if (err instanceof ResultCodeError) {
    if (err instanceof InvalidCredentialsError) {
      const data = /data ([0-9a-f]{3})/i.exec(detail)?.[1]?.toLowerCase();
      const why = data && AD_BIND_DATA[data] ? `: ${AD_BIND_DATA[data]}` : '';
      return make(`invalid credentials (bind DN ${at.bindDn || '(anonymous)'})${why}`, 'credentials');
    }
    if (err instanceof InappropriateAuthError)
      return make(`anonymous or passwordless bind refused (bind DN ${at.bindDn || '(anonymous)'})`, 'credentials');
    if (err instanceof ConfidentialityRequiredError || err instanceof StrongAuthRequiredError)
      return make(`${at.url} requires an encrypted connection: use ldaps:// or startTls (${detail})`, 'tls');
    if (err instanceof NoSuchObjectError) return make(`base DN not found: ${at.baseDn}`, 'base');
    if (err instanceof InvalidDNSyntaxError)
      return make(
        `invalid DN syntax (${at.phase === 'bind' ? `bind DN ${at.bindDn}` : `base DN ${at.baseDn}`})`,
        'base',
      );
    if (err instanceof SizeLimitExceededError)
      return make(
        `the server's size limit stopped the search after ${at.entries ?? 0} entries; allow the bind DN unlimited ` +
          'paged searches (OpenLDAP: limits … size.prtotal=unlimited; AD: MaxResultSetSize)',
        'limit',
      );
    if (err instanceof AdminLimitExceededError)
      return make(`the server refused the search (administrative limit): lower pageSize (${detail})`, 'limit');
    if (err instanceof InsufficientAccessError)
      return make(`bind DN ${at.bindDn || '(anonymous)'} may not read ${at.baseDn} (${detail})`, 'access');
    if ((err instanceof UnavailableError || err instanceof ProtocolError) && at.phase === 'starttls')
      return make(`${at.url} does not offer StartTLS (${detail})`, 'tls');
    if (at.phase === 'starttls') return make(`StartTLS with ${at.url} failed: ${detail}`, 'tls');
    return make(`${at.url}: ${detail} (LDAP result ${err.code})`, 'server');
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ECONNREFUSED') return make(`connection refused to ${at.url}`, 'connect');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return make(`host not found: ${hostOf(at.url)} (${at.url})`, 'connect');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return make(`host unreachable: ${at.url}`, 'connect');
  if (code === 'ETIMEDOUT' || /^Connection timeout$/i.test(detail))
    return make(`connection to ${at.url} timed out after ${at.timeoutMs} ms`, 'timeout');
  if (/Operation timed out/i.test(detail))
    return make(`${at.url} did not answer within ${at.timeoutMs} ms (${at.phase})`, 'timeout');
  if (code && TLS_TRUST_CODES.has(code))
    return make(
      `TLS: the certificate of ${at.url} is not trusted (${code}); give the CA that signed it as tls.ca`,
      'tls',
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return make(`TLS: the certificate of ${at.url} is not valid for this host (${detail})`, 'tls');
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return make(`TLS: the certificate of ${at.url} has expired or is not yet valid (${code})`, 'tls');
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_') || /TLS|SSL|secure/i.test(detail)) {
    const hint = /disconnected before secure TLS/i.test(detail)
      ? ': the server closed the connection during the handshake (plain LDAP on an ldaps:// port?)'
      : `: ${detail}`;
    return make(`TLS handshake with ${at.url} failed${hint}`, 'tls');
  }
  if (code === 'ECONNRESET' || /Connection closed|Socket error/i.test(detail))
    return make(`connection to ${at.url} was closed by the server (${at.phase})`, 'connect');
  if (at.phase === 'search' && /filter/i.test(detail)) return make(`invalid filter: ${detail}`, 'filter');
  return make(`${at.url}: ${detail}`, 'server');
}

/** The host (and port) of an ldap:// or ldaps:// URL. */
export const hostOf = (url: string) => url.replace(/^ldaps?:\/\//i, '').replace(/\/.*$/, '');
