// Stanza modules of the XMPP adapter over a real core (SQLite in memory), before the stream engine
// exists around them: sessions that record what they were sent, a registry of them, and a route
// that hands a stanza to the sessions its `to` names here (and records it, for other servers).
import pino from 'pino';
import type {
  C2sSession,
  Inbound,
  ModuleContext,
  SessionRegistry,
  XmppModule,
} from '../../src/adapters/xmpp/module.js';
import { type XmlElement, x } from '../../src/adapters/xmpp/xml/element.js';
import type { Services } from '../../src/compose.js';
import { addressOf, type User } from '../../src/core/users/model.js';
import { closeCore, openCore } from '../../src/create-server.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../src/lib/jid.js';
import { loadConfig } from '../../src/platform/config/load.js';

export interface TestSession extends C2sSession {
  sent: XmlElement[];
}

const WAIT_MS = 5000;
/** The HTTP base URL the modules see (links to files). */
export const HTTP_URL = 'https://parley.example.test';

/** Polls `probe` until it holds (a generous bound, not a fixed wait). */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const jid = (s: string): Jid => parseJid(s) as Jid;

export interface Harness {
  core: Services;
  clock: { now: number };
  ctx: ModuleContext;
  /** Stanzas routed to JIDs with no session here (other servers, offline users). */
  routed: XmlElement[];
  user(address: string): Promise<User>;
  session(user: User, resource: string, lang?: string): TestSession;
  end(session: TestSession): Promise<void>;
  /** The router's part: the stanza from a session (or from another server when `from` is given). */
  inbound(stanza: XmlElement, o: { session?: TestSession; from?: string }): Promise<Inbound>;
  /** An IQ get/set of `session` to its own account, answered by the module that has its namespace. */
  iq(session: TestSession, type: 'get' | 'set', payload: XmlElement, to?: string): Promise<XmlElement | undefined>;
  close(): Promise<void>;
}

export async function startModules(make: () => XmppModule[], start = Date.UTC(2026, 2, 2, 9, 0)): Promise<Harness> {
  const clock = { now: start };
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } });
  const core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => clock.now } });
  const live = new Set<TestSession>();
  const sessions: SessionRegistry = {
    ofUser: (tenantId, userId) => [...live].filter((s) => s.tenantId === tenantId && s.user.id === userId),
    byJid: (j) => [...live].find((s) => formatJid(s.jid) === formatJid(j)),
    all: () => live,
  };
  const routed: XmlElement[] = [];
  const modules = make();
  const ctx: ModuleContext = {
    core,
    log: core.ctx.log,
    sessions,
    modules,
    httpUrl: () => HTTP_URL,
    route(stanza) {
      const to = parseJid(stanza.attrs.to ?? '');
      const here = to
        ? [...live].filter((s) =>
            to.resource === null ? bareJid(s.jid) === bareJid(to) : formatJid(s.jid) === formatJid(to),
          )
        : [];
      if (here.length === 0) routed.push(stanza);
      for (const s of here) s.send(stanza);
    },
  };
  const stops = await Promise.all(modules.map((m) => m.start?.(ctx)));
  const h: Harness = {
    core,
    clock,
    ctx,
    routed,
    async user(address) {
      const [local, domain] = address.split('@') as [string, string];
      const tenant = await core.tenants.byDomain(domain).catch(() => core.tenants.create({ domain, name: domain }));
      return (await core.users.create(tenant.id, { local, domain, role: 'user', password: 'secret-password' })).user;
    },
    session(user, resource, lang = 'en') {
      const s: TestSession = {
        id: `${addressOf(user)}/${resource}`,
        tenantId: user.tenantId,
        user,
        jid: jid(`${addressOf(user)}/${resource}`),
        lang,
        address: '127.0.0.1',
        secure: true,
        inactive: false,
        data: new Map(),
        sent: [],
        send(stanza) {
          this.sent.push(stanza);
        },
      };
      live.add(s);
      for (const m of modules) void m.sessionBound?.(s);
      return s;
    },
    async end(session) {
      live.delete(session);
      for (const m of modules) await m.sessionEnded?.(session);
    },
    async inbound(stanza, o) {
      const from = o.session ? o.session.jid : jid(o.from as string);
      const to = stanza.attrs.to ? jid(stanza.attrs.to) : null;
      const inbound: Inbound = {
        stanza: stanza.withAttrs({ from: formatJid(from) }),
        from,
        to,
        ...(o.session && { session: o.session }),
      };
      for (const m of modules) if (await m.handle?.(inbound)) break;
      return inbound;
    },
    async iq(session, type, payload, to) {
      const ns = payload.xmlns as string;
      const handler = modules.map((m) => m.iq?.[ns]?.[type]).find((f) => f !== undefined);
      if (!handler) throw new Error(`no module answers ${type} ${ns}`);
      const stanza = x('iq', { type, id: 'q1', to }, payload);
      const result = await handler({ stanza, from: session.jid, to: to ? jid(to) : null, session, payload });
      return (result ?? undefined) as XmlElement | undefined;
    },
    async close() {
      for (const s of stops) s?.();
      await closeCore(core);
    },
  };
  return h;
}
