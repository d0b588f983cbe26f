// XEP-0115 caps of the clients bound here: the features behind each verification string a
// client's presence carries, asked of the client once per string (disco#info to its full JID)
// and kept for every client that sends the same string. Modules ask `has(session, feature)`
// (e.g. avatar notifications, XEP-0163 +notify). Strings are not verified against the answer: a
// client that lies only changes which notifications it and its twins get.
import { formatJid } from '../../../lib/jid.js';
import type { C2sSession, Inbound } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { CAPS, DISCO_INFO } from './disco-info.js';

const KEY = 'caps';
/** Most strings remembered (clients and versions in use); beyond, the oldest is asked again. */
const MAX_STRINGS = 1000;
const ID_PREFIX = 'caps-';
/** The suffix of a feature asking for a node's events (XEP-0163 §4.2). */
const NOTIFY = '+notify';

export class ClientCaps {
  private readonly features = new Map<string, ReadonlySet<string>>();
  /** Asked and not answered yet: the query id → node#ver, and the sessions that announced it meanwhile. */
  private readonly asking = new Map<string, { ver: string; sessions: C2sSession[] }>();
  private next = 0;

  /** @param known told of each session whose caps became known (announced anew, or learnt). */
  constructor(private readonly known?: (session: C2sSession) => void) {}

  /** Whether the session's client announced `feature` (false while its caps are not known). */
  has(session: C2sSession, feature: string): boolean {
    const ver = session.data.get(KEY) as string | undefined;
    return ver !== undefined && (this.features.get(ver)?.has(feature) ?? false);
  }

  /** The nodes whose XEP-0163 events the session's client asked for (`NODE+notify`). */
  notified(session: C2sSession): string[] {
    const ver = session.data.get(KEY) as string | undefined;
    const features = ver === undefined ? undefined : this.features.get(ver);
    return [...(features ?? [])].filter((f) => f.endsWith(NOTIFY)).map((f) => f.slice(0, -NOTIFY.length));
  }

  /**
   * Looks at a stanza from a client: its own presence's `<c/>` is remembered (and asked about
   * when new); the answer to such a question is taken (true). Anything else: false.
   */
  seen({ stanza, session, to }: Inbound, domain: string): boolean {
    if (!session) return false;
    if (stanza.name === 'presence' && to === null && stanza.attrs.type === undefined) {
      const c = stanza.child('c', CAPS);
      if (c?.attrs.ver && c.attrs.node) this.remember(session, `${c.attrs.node}#${c.attrs.ver}`, domain);
      return false;
    }
    const id = stanza.attrs.id ?? '';
    const asked = this.asking.get(id);
    if (
      stanza.name !== 'iq' ||
      asked === undefined ||
      (stanza.attrs.type !== 'result' && stanza.attrs.type !== 'error')
    ) {
      return false;
    }
    this.asking.delete(id);
    const query = stanza.child('query', DISCO_INFO);
    if (stanza.attrs.type === 'result' && query) {
      this.learn(asked.ver, query);
      for (const s of asked.sessions) if (s.data.get(KEY) === asked.ver) this.known?.(s);
    }
    return true;
  }

  private remember(session: C2sSession, ver: string, domain: string) {
    // The same caps again (each presence update carries them): nothing new.
    if (session.data.get(KEY) === ver) return;
    session.data.set(KEY, ver);
    if (this.features.has(ver)) {
      this.known?.(session);
      return;
    }
    const pending = [...this.asking.values()].find((a) => a.ver === ver);
    if (pending) {
      pending.sessions.push(session);
      return;
    }
    // Questions a client never answers are dropped in bulk rather than kept forever.
    if (this.asking.size >= MAX_STRINGS) this.asking.clear();
    const id = `${ID_PREFIX}${++this.next}`;
    this.asking.set(id, { ver, sessions: [session] });
    session.send(
      x(
        'iq',
        { type: 'get', id, from: domain, to: formatJid(session.jid) },
        x('query', { xmlns: DISCO_INFO, node: ver }),
      ),
    );
  }

  private learn(ver: string, query: XmlElement) {
    if (this.features.size >= MAX_STRINGS) this.features.delete(this.features.keys().next().value as string);
    this.features.set(ver, new Set(query.elements('feature').map((f) => f.attrs.var ?? '')));
  }
}
