// RFC 4422 (SASL) as the core offers it to the protocol adapters: which mechanisms, and PLAIN
// (RFC 4616). SCRAM is in scram.ts.
import { SCRAM_MECHANISMS, type ScramMechanism } from './scram.js';

export type SaslMechanism = ScramMechanism | 'PLAIN';

/**
 * The mechanisms to offer on a connection, strongest first: the -PLUS variants only when the
 * adapter has the channel's binding data, PLAIN only over TLS. A user whose password predates the
 * SCRAM-SHA-1 keys fails SCRAM-SHA-1 as with a wrong password (not counted by the throttle) until
 * their next password sign-in; their client may pick another mechanism.
 *
 * @example
 * saslMechanisms({ secure: true, channelBindings: ['tls-exporter'] })
 * // ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']
 */
export function saslMechanisms(channel: { secure: boolean; channelBindings?: readonly string[] }): SaslMechanism[] {
  const canBind = channel.secure && (channel.channelBindings?.length ?? 0) > 0;
  const scram = (Object.keys(SCRAM_MECHANISMS) as ScramMechanism[]).filter((m) => canBind || !SCRAM_MECHANISMS[m].plus);
  return channel.secure ? [...scram, 'PLAIN'] : scram;
}

/**
 * The account of a SASL authentication identity: a simple user name (RFC 6120 §6.3.7), always in
 * the connection's domain — a name with an `@` matches no user, so no stream signs in to another.
 */
export const saslAccount = (username: string, domain: string) => `${username}@${domain}`;

/** Whether an authorization identity (a bare JID, or none) is the account itself: nobody acts as another. */
export const ownAuthzid = (authzid: string | null, account: string) =>
  authzid === null || authzid === '' || authzid.toLowerCase() === account.toLowerCase();

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 4616 PLAIN message: `[authzid] NUL authcid NUL passwd` in UTF-8; null when malformed. */
export function parsePlain(message: Buffer): { authzid: string; authcid: string; password: string } | null {
  let text: string;
  try {
    text = UTF8.decode(message);
  } catch {
    return null;
  }
  const parts = text.split('\0');
  if (parts.length !== 3) return null;
  const [authzid = '', authcid = '', password = ''] = parts;
  if (authcid === '' || password === '') return null;
  return { authzid, authcid, password };
}
