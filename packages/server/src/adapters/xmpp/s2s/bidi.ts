// Bidirectional server-to-server streams (XEP-0288) as pure pieces: the stream feature a
// receiving server offers, the request an initiating server answers it with, and the routes the
// manager keeps from (local, remote) domain pairs to inbound streams that carry our stanzas too.
import { type XmlElement, x } from '../xml/element.js';
import { pairKey } from './policy.js';

export const BIDI_NS = 'urn:xmpp:bidi';
/** The stream feature (XEP-0288 §2.1). */
export const BIDI_FEATURE_NS = 'urn:xmpp:features:bidi';

export const bidiFeature = (): XmlElement => x('bidi', { xmlns: BIDI_FEATURE_NS });
export const bidiRequest = (): XmlElement => x('bidi', { xmlns: BIDI_NS });

/** Whether the element is the initiating server's request (XEP-0288 §2.2). */
export const isBidiRequest = (el: XmlElement): boolean => el.name === 'bidi' && el.xmlns === BIDI_NS;

/** Whether stream features offer bidirectionality. */
export const offersBidi = (features: XmlElement): boolean => Boolean(features.child('bidi', BIDI_FEATURE_NS));

/** A stream that can carry a stanza from one of our domains to the peer's. */
export interface BidiStream {
  send(stanza: XmlElement): void;
}

/**
 * Which inbound bidirectional stream carries stanzas from `local` to `remote`: every (remote,
 * local) pair such a stream authenticated may be used the other way (XEP-0288 §3).
 */
export class BidiRoutes {
  private readonly routes = new Map<string, { local: string; remote: string; stream: BidiStream }>();

  add(local: string, remote: string, stream: BidiStream): void {
    this.routes.set(pairKey(local, remote), { local, remote, stream });
  }

  get(local: string, remote: string): BidiStream | undefined {
    return this.routes.get(pairKey(local, remote))?.stream;
  }

  /** Forgets every route of a stream (it ended). */
  remove(stream: BidiStream): void {
    for (const [key, route] of this.routes) if (route.stream === stream) this.routes.delete(key);
  }

  /** Forgets the routes `drop` says (a domain blocked since). */
  async prune(drop: (local: string, remote: string) => Promise<boolean>): Promise<void> {
    for (const [key, route] of [...this.routes]) {
      if ((await drop(route.local, route.remote)) && this.routes.get(key) === route) this.routes.delete(key);
    }
  }
}
