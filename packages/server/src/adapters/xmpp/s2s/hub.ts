// What every s2s stream of the adapter shares (issue 15): the core, the router, the settings, the
// way out (DNS, outbound policy, CAs), the certificates, the cluster's dialback secret, and the
// questions both directions ask (is a domain ours, how much is a remote domain trusted, is a
// peer's certificate valid for it).
import type { TLSSocket } from 'node:tls';
import type { Services } from '../../../compose.js';
import type { TrustLevel } from '../../../core/federation/model.js';
import { formatJid, parseJid } from '../../../lib/jid.js';
import type { XmppConfig } from '../../../platform/config/xmpp-schema.js';
import type { Logger } from '../../../platform/log.js';
import type { XmppCertificates } from '../certificates.js';
import { errorReply, mayReplyWithError, type StanzaError } from '../errors.js';
import { certificateNamesDomain } from '../federation/certificate.js';
import type { FederationNet } from '../federation/checker.js';
import type { Router } from '../router.js';
import { StreamError } from '../stream-error.js';
import type { XmlElement } from '../xml/element.js';
import type { BidiRoutes } from './bidi.js';
import { DIALBACK_NS } from './dialback.js';
import { addressingError, type CertificateState } from './policy.js';

const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

export interface S2sHub {
  core: Services;
  log: Logger;
  config: XmppConfig;
  router: Router;
  net: FederationNet;
  certificates: XmppCertificates;
  /** Whether this server serves `domain` (a tenant's, or a service of one). */
  hosts(domain: string): Promise<boolean>;
  /**
   * Asks `remote`'s authoritative server whether `key` is the dialback key it issued for the
   * stream `streamId` it opened to `local` (XEP-0220 §2.2).
   */
  verifyDialback(remote: string, local: string, streamId: string, key: string): Promise<boolean>;
  /** Whether an inbound stanza answers a federation check's ping (then it is taken, not routed). */
  pingAnswered(stanza: XmlElement): Promise<boolean>;
  /** The inbound bidirectional streams (XEP-0288) that carry our stanzas to a domain. */
  bidi: BidiRoutes;
}

/** The key every node derives alike for dialback (XEP-0185's secret): the cluster's shared one. */
export const dialbackSecret = (hub: S2sHub): Promise<Buffer> => hub.core.auth.clusterKey('xmpp-dialback');

/** The tenant whose domain `local` is, or whose service it is (`conference.DOMAIN`). */
export async function tenantOf(hub: S2sHub, local: string): Promise<string | undefined> {
  const d = local.toLowerCase();
  for (const name of [d, d.slice(d.indexOf('.') + 1)]) {
    const tenant = await hub.core.tenants.byDomain(name).catch(() => undefined);
    if (tenant) return tenant.id;
  }
  return undefined;
}

/** How far the tenant of `local` trusts `remote` (`blocked` when `local` is no tenant's). */
export async function trustBetween(hub: S2sHub, local: string, remote: string): Promise<TrustLevel> {
  const tenantId = await tenantOf(hub, local);
  return tenantId === undefined ? 'blocked' : hub.core.federation.trustOf(tenantId, remote);
}

/** Whether the peer's certificate chains to a trusted authority and names `domain` (RFC 6125). */
export function certificateState(tls: TLSSocket | undefined, domain: string): CertificateState {
  const cert = tls?.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return 'none';
  return tls?.authorized && certificateNamesDomain(cert, domain) ? 'valid' : 'invalid';
}

/** The stream header attributes between servers (the dialback namespace declared, XEP-0220). */
export const s2sHeader = (attrs: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries({ ...attrs, version: '1.0', 'xmlns:db': DIALBACK_NS }).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  );

/** Sends the sender of `stanza` an error reply (never for an error), through the router. */
export function bounce(hub: S2sHub, stanza: XmlElement, err: StanzaError): void {
  if (mayReplyWithError(stanza)) void hub.router.route(errorReply(stanza, err));
}

/** A domain's trust is `blocked` now: its stanzas end the stream (`policy-violation`). */
export async function refuseBlocked(hub: S2sHub, remote: string, local: string): Promise<void> {
  if ((await trustBetween(hub, local, remote)) === 'blocked') {
    throw new StreamError('policy-violation', `${local} does not federate with ${remote}`);
  }
}

/**
 * A stanza a peer server sent on a stream (inbound, or outbound and bidirectional): it passes to
 * the router only from a (remote, local) pair the stream authenticated, else the stream ends.
 */
export async function passInbound(hub: S2sHub, el: XmlElement, authenticated: ReadonlySet<string>): Promise<void> {
  if (!STANZA_NAMES.has(el.name) || el.xmlns !== undefined) throw new StreamError('unsupported-stanza-type');
  const from = parseJid(el.attrs.from ?? '');
  const to = parseJid(el.attrs.to ?? '');
  const wrong = addressingError(from, to, authenticated);
  if (wrong) throw new StreamError(wrong, `${el.attrs.from ?? 'no from'} is not authenticated on this stream`);
  if (!from || !to) return;
  // A domain blocked since the stream was authenticated is refused from its next stanza on.
  await refuseBlocked(hub, from.domain, to.domain);
  const stanza = el.withAttrs({ from: formatJid(from) });
  if (await hub.pingAnswered(stanza)) return;
  await hub.router.inbound(stanza, from, (reply) => void hub.router.route(reply));
}
