// Digest authentication of SIP requests (RFC 3261 §22, RFC 8760): challenges, nonce checks and
// the credential check through the core (which throttles guesses for every protocol alike).
import type { Services } from '../../../compose.js';
import type { SipCredentials } from '../../../core/devices/service.js';
import { ParleyError } from '../../../core/errors.js';
import {
  headerValues,
  parseAuth,
  respond,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { clientAddress } from './client-address.js';
import type { NonceBook } from './nonce.js';

export type DigestAlgorithmName = 'SHA-256' | 'MD5';

/** The outcome of a check: the device, or the response that refuses the request. */
export type DigestOutcome = { ok: true; device: SipCredentials } | { ok: false; response: SipResponse };

export interface DigestOptions {
  core: Services;
  nonces: NonceBook;
  algorithms: readonly DigestAlgorithmName[];
  newTag: () => string;
  /** Proxies and balancers whose Vias tell the client's address (`sip.trustedProxies`). */
  trustedProxies?: ReadonlySet<string>;
}

/**
 * The digest-uri is taken as the client hashed it: clients differ in what they put there (sipp
 * names the server's address), and the nonce and its count already tie credentials to one use.
 *
 * Checks the request's Authorization (registrar, `proxy` false: 401/WWW-Authenticate) or
 * Proxy-Authorization (`proxy` true: 407/Proxy-Authenticate) for the realm. Missing, stale or
 * replayed credentials get a new challenge; wrong ones a 403 that names no reason, so existing
 * and missing accounts look alike; a throttled account or address a 403 with Retry-After.
 */
export async function checkDigest(
  o: DigestOptions,
  request: SipRequest,
  realm: string,
  tenantId: string,
  address: string,
  proxy: boolean,
): Promise<DigestOutcome> {
  const challenge = (stale: boolean) => refuse(request, o, realm, proxy, stale);
  const name = proxy ? 'Proxy-Authorization' : 'Authorization';
  const credentials = headerValues(request.headers, name)
    .map((value) => safeParse(value))
    .find((c) => c?.scheme.toLowerCase() === 'digest' && c.params.get('realm')?.toLowerCase() === realm.toLowerCase());
  if (!credentials) return challenge(false);
  const p = credentials.params;
  const [username, nonce, uri, response] = ['username', 'nonce', 'uri', 'response'].map((k) => p.get(k));
  const nc = p.get('nc') ?? '';
  if (!username || !nonce || !uri || !response) {
    return { ok: false, response: respond(request, 400, 'Bad Request (digest credentials)', { toTag: o.newTag() }) };
  }
  const verdict = o.nonces.check(nonce, realm, nc);
  if (verdict === 'stale' || verdict === 'replayed') return challenge(true);
  const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
  if (verdict === 'invalid' || !o.algorithms.includes(algorithm as DigestAlgorithmName)) return challenge(false);
  try {
    const device = await o.core.auth.sipDigest({
      tenantId,
      // The login throttle counts the phone's guesses, not a balancer's that relays everyone's.
      address: o.trustedProxies ? clientAddress(request, address, o.trustedProxies) : address,
      method: request.method,
      requestUri: uri,
      authorization: {
        username,
        realm: p.get('realm') ?? realm,
        nonce,
        uri,
        response,
        algorithm,
        qop: p.get('qop'),
        cnonce: p.get('cnonce'),
        nc,
        opaque: p.get('opaque'),
        userhash: p.get('userhash'),
      },
    });
    o.nonces.accept(nonce, nc);
    return { ok: true, device };
  } catch (err) {
    if (!(err instanceof ParleyError)) throw err;
    const headers: SipHeader[] = err.retryAfterSeconds
      ? [{ name: 'Retry-After', value: String(err.retryAfterSeconds) }]
      : [];
    return { ok: false, response: respond(request, 403, 'Forbidden', { toTag: o.newTag(), headers }) };
  }
}

/** A 401 or 407 with one challenge per offered algorithm, in the configured order (RFC 8760 §2.4). */
function refuse(request: SipRequest, o: DigestOptions, realm: string, proxy: boolean, stale: boolean): DigestOutcome {
  const nonce = o.nonces.issue(realm);
  const headers = o.algorithms.map((algorithm) => ({
    name: proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate',
    value: `Digest realm="${realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
  }));
  const status = proxy ? 407 : 401;
  const reason = proxy ? 'Proxy Authentication Required' : 'Unauthorized';
  return { ok: false, response: respond(request, status, reason, { toTag: o.newTag(), headers }) };
}

function safeParse(value: string) {
  try {
    return parseAuth(value);
  } catch {
    return undefined;
  }
}
