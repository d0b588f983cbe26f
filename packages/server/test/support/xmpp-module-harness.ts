// Stanza modules of the XMPP adapter over a real core without the stream engine: sessions that
// record what they are sent, a registry of them, and a router that offers a stanza to the
// modules as the engine's router does (IQ handlers by namespace, then `handle`).

import { errorReply, StanzaError, toStanzaError } from '../../src/adapters/xmpp/errors.js';
import type { C2sSession, ModuleContext, SessionRegistry, Stop, XmppModule } from '../../src/adapters/xmpp/module.js';
import { type XmlElement, x } from '../../src/adapters/xmpp/xml/element.js';
import { formatJid, type Jid, parseJid } from '../../src/lib/jid.js';
import type { TestServer } from './server.js';

/** A bound against hangs, generous so that a busy machine passes. */
const WAIT_MS = 30_000;

export class FakeSession implements C2sSession {
  readonly data = new Map<string, unknown>();
  readonly received: XmlElement[] = [];
  readonly lang = 'en';
  readonly address = '127.0.0.1';
  readonly secure = true;
  readonly inactive = false;
  private waiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly user: C2sSession['user'],
    readonly jid: Jid,
  ) {}

  send(stanza: XmlElement): void {
    this.received.push(stanza);
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first stanza received (now or within a generous bound) that matches, removed from `received`. */
  async next(match: (s: XmlElement) => boolean, what = 'a stanza'): Promise<XmlElement> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0] as XmlElement;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.jid.resource}: no ${what}; got ${this.received.map(String).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

class Registry implements SessionRegistry {
  readonly sessions: FakeSession[] = [];
  ofUser(tenantId: string, userId: string) {
    return this.sessions.filter((s) => s.tenantId === tenantId && s.user.id === userId);
  }
  byJid(jid: Jid) {
    return this.sessions.find((s) => formatJid(s.jid) === formatJid(jid));
  }
  all() {
    return this.sessions;
  }
}

/** The modules started over a test server's core; stanzas routed away are kept in `routed`. */
export class ModuleHarness {
  readonly registry = new Registry();
  readonly routed: XmlElement[] = [];
  private stops: Stop[] = [];
  private n = 0;

  constructor(
    private readonly t: TestServer,
    readonly modules: XmppModule[],
  ) {}

  async start(): Promise<void> {
    const ctx: ModuleContext = {
      core: this.t.core,
      log: this.t.core.ctx.log,
      sessions: this.registry,
      route: (stanza) => this.routed.push(stanza),
      modules: this.modules,
      httpUrl: () => 'https://parley.example.test',
    };
    for (const m of this.modules) this.stops.push(await m.start?.(ctx));
  }

  stop(): void {
    for (const stop of this.stops) stop?.();
  }

  /** A session bound for `address` with `resource`. */
  async bind(address: string, resource: string): Promise<FakeSession> {
    const user = await this.t.core.users.byAddress(address);
    if (!user) throw new Error(`no user ${address}`);
    const jid = parseJid(`${address}/${resource}`) as Jid;
    const s = new FakeSession(`s${++this.n}`, user.tenantId, user, jid);
    this.registry.sessions.push(s);
    return s;
  }

  /**
   * Offers a stanza from a session as the router would: an IQ to its handler by namespace (the
   * result or error sent back to the session), anything else to each module's `handle`. Returns
   * the error reply sent, if any.
   */
  async send(session: FakeSession, stanza: XmlElement): Promise<XmlElement | undefined> {
    const from = formatJid(session.jid);
    const stamped = stanza.withAttrs({ from });
    const to = stanza.attrs.to === undefined ? null : parseJid(stanza.attrs.to);
    const inbound = { stanza: stamped, from: session.jid, to, session };
    try {
      if (stanza.name === 'iq') {
        const payload = stanza.elements()[0];
        const type = stanza.attrs.type as 'get' | 'set';
        const handler = this.modules.map((m) => payload?.xmlns && m.iq?.[payload.xmlns]?.[type]).find(Boolean);
        if (!handler || !payload) throw new StanzaError('service-unavailable');
        const result = await handler({ ...inbound, payload });
        session.send(x('iq', { type: 'result', id: stanza.attrs.id, to: from }, result));
        return undefined;
      }
      for (const m of this.modules) if (await m.handle?.(inbound)) return undefined;
      return undefined;
    } catch (err) {
      const reply = errorReply(stamped, toStanzaError(err));
      session.send(reply);
      return reply;
    }
  }
}
