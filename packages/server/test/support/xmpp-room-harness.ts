// Stanza modules driven directly, before the stream engine exists: a real core (a test server
// over SQLite), sessions that record what they are sent, a route() that records, and the router's
// IQ dispatch (payload namespace → handler, errors as RFC 6120 §8.3 replies).

import pino from 'pino';
import { errorReply, StanzaError, toStanzaError } from '../../src/adapters/xmpp/errors.js';
import type {
  C2sSession,
  Inbound,
  ModuleContext,
  SessionRegistry,
  Stop,
  XmppModule,
} from '../../src/adapters/xmpp/module.js';
import { type XmlElement, x } from '../../src/adapters/xmpp/xml/element.js';
import type { User } from '../../src/core/users/model.js';
import { formatJid, type Jid, parseJid, sameJid } from '../../src/lib/jid.js';
import { startTestServer, type TestServer } from './server.js';

/** A bound session that keeps what it was sent. */
export class RecordingSession implements C2sSession {
  readonly sent: XmlElement[] = [];
  readonly data = new Map<string, unknown>();
  readonly lang = 'en';
  readonly address = '127.0.0.1';
  readonly secure = true;
  readonly inactive = false;
  constructor(
    readonly id: string,
    readonly user: User,
    readonly jid: Jid,
  ) {}
  get tenantId(): string {
    return this.user.tenantId;
  }
  send(stanza: XmlElement): void {
    this.sent.push(stanza);
  }
  /** Takes what was sent so far. */
  take(): XmlElement[] {
    return this.sent.splice(0);
  }
}

export interface ModuleHarness {
  t: TestServer;
  ctx: ModuleContext;
  /** What route() was given. */
  routed: XmlElement[];
  /** Binds a session of `address` (the user is created with its tenant if missing). */
  bind(address: string, resource: string): Promise<RecordingSession>;
  unbind(session: RecordingSession): Promise<void>;
  /** Sends an IQ as the router would: to an IQ handler when addressed to the server or the sender's account, else handle(). */
  iq(from: RecordingSession, stanza: XmlElement): Promise<XmlElement | undefined>;
  /** Offers a stanza to the modules' handle(), as the router does; returns whether one took it. */
  handle(from: RecordingSession, stanza: XmlElement): Promise<boolean>;
  stop(): Promise<void>;
}

const jid = (s: string): Jid => {
  const j = parseJid(s);
  if (!j) throw new Error(`bad JID ${s}`);
  return j;
};

export async function moduleHarness(modules: XmppModule[]): Promise<ModuleHarness> {
  const t = await startTestServer();
  const bound: RecordingSession[] = [];
  const sessions: SessionRegistry = {
    ofUser: (tenantId, userId) => bound.filter((s) => s.tenantId === tenantId && s.user.id === userId),
    byJid: (j) => bound.find((s) => sameJid(s.jid, j)),
    all: () => bound,
  };
  const routed: XmlElement[] = [];
  const ctx: ModuleContext = {
    core: t.core,
    log: pino({ level: 'silent' }),
    sessions,
    route: (stanza) => routed.push(stanza),
    modules,
    httpUrl: () => 'https://parley.example.test',
  };
  const stops: Stop[] = [];
  for (const m of modules) stops.push(await m.start?.(ctx));

  const inbound = (from: RecordingSession, stanza: XmlElement): Inbound => {
    const to = stanza.attrs.to === undefined ? null : jid(stanza.attrs.to);
    return { stanza: stanza.withAttrs({ from: formatJid(from.jid) }), from: from.jid, to, session: from };
  };
  const offer = async (i: Inbound) => {
    for (const m of modules) if (await m.handle?.(i)) return true;
    return false;
  };

  return {
    t,
    ctx,
    routed,
    async bind(address, resource) {
      await t.user(address).catch(() => undefined);
      const user = await t.core.users.byAddress(address);
      if (!user) throw new Error(`no user ${address}`);
      const s = new RecordingSession(`s${bound.length}`, user, jid(`${address}/${resource}`));
      bound.push(s);
      for (const m of modules) await m.sessionBound?.(s);
      return s;
    },
    async unbind(s) {
      bound.splice(bound.indexOf(s), 1);
      for (const m of modules) await m.sessionEnded?.(s);
    },
    async iq(from, stanza) {
      const i = inbound(from, stanza);
      const toServer =
        i.to === null ||
        (i.to.resource === null &&
          (i.to.local === null ? i.to.domain === from.jid.domain : sameJid(i.to, from.jid, true)));
      const payload = i.stanza.elements()[0];
      const type = stanza.attrs.type as 'get' | 'set';
      const handler = payload?.xmlns && modules.map((m) => m.iq?.[payload.xmlns as string]?.[type]).find((h) => h);
      if (toServer && handler && payload) {
        const reply = { from: stanza.attrs.to, to: formatJid(from.jid), id: stanza.attrs.id };
        try {
          return x('iq', { ...reply, type: 'result' }, await handler({ ...i, payload }));
        } catch (err) {
          return errorReply(i.stanza, toStanzaError(err));
        }
      }
      const before = from.sent.length;
      if (!(await offer(i))) return errorReply(i.stanza, new StanzaError('service-unavailable'));
      // The reply is taken out of what the session was sent (other stanzas, e.g. MAM results, stay).
      const at = from.sent.findIndex((s, i) => i >= before && s.name === 'iq' && s.attrs.id === stanza.attrs.id);
      return at === -1 ? undefined : from.sent.splice(at, 1)[0];
    },
    handle: (from, stanza) => offer(inbound(from, stanza)),
    async stop() {
      for (const s of stops) s?.();
      await t.stop();
    },
  };
}
