// Who may talk to this server over s2s and how (issue 15), as pure decisions: a domain's trust
// level and its certificate decide the authentication (SASL EXTERNAL, XEP-0220 dialback, or
// refused); a stanza's addresses must be a pair its stream authenticated (RFC 6120 §4.9.3.10);
// what a failed outbound stream says to the senders of the stanzas it held (RFC 6120 §8.3.3).
import type { TrustLevel } from '../../../core/federation/model.js';
import { federates } from '../../../core/federation/model.js';
import type { Jid } from '../../../lib/jid.js';
import type { StanzaCondition } from '../errors.js';
import type { StreamCondition } from '../stream-error.js';

/** What a peer's TLS certificate proved: valid for the domain (chain and RFC 6125 name), or not. */
export type CertificateState = 'valid' | 'invalid' | 'none';

/**
 * How a remote domain may authenticate: SASL EXTERNAL when its certificate is valid, dialback
 * otherwise. Dialback is allowed for every level that federates (as Prosody does by default):
 * `public`, `business` and `trusted`; a `blocked` domain is refused whatever it presents.
 */
export function authenticationFor(
  level: TrustLevel,
  certificate: CertificateState,
): 'external' | 'dialback' | 'refused' {
  if (!federates(level)) return 'refused';
  return certificate === 'valid' ? 'external' : 'dialback';
}

/** An authenticated (remote, local) domain pair of a stream. */
export const pairKey = (remote: string, local: string): string => `${remote.toLowerCase()} ${local.toLowerCase()}`;

/**
 * Whether a stanza from a peer server may pass: its `from` and `to` must be present and their
 * domains a pair the stream authenticated. Returns the stream error condition when not.
 */
export function addressingError(
  from: Jid | null,
  to: Jid | null,
  authenticated: ReadonlySet<string>,
): StreamCondition | undefined {
  if (!from) return 'invalid-from';
  if (!to) return 'improper-addressing';
  return authenticated.has(pairKey(from.domain, to.domain)) ? undefined : 'invalid-from';
}

/** Why an outbound stream failed, as the bounce of its stanzas says. */
export type OutboundFailure = 'not-found' | 'timeout' | 'refused' | 'blocked' | 'overflow';

/** RFC 6120 §8.3.3: the condition the senders of the stanzas a failed stream held get. */
export function bounceCondition(failure: OutboundFailure): StanzaCondition {
  switch (failure) {
    case 'not-found':
    case 'refused':
      return 'remote-server-not-found';
    case 'timeout':
      return 'remote-server-timeout';
    case 'blocked':
      return 'not-allowed';
    case 'overflow':
      return 'resource-constraint';
  }
}
