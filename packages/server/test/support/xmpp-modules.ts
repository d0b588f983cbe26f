// Stanza modules of the XMPP adapter over a real core (SQLite in memory, or a test server's), driven
// without the stream engine: sessions that record what they were sent (the real `Session`, bound in
// the real `Sessions`), and the real `Router` for IQ dispatch, module order and the RFC fallbacks.
// What the router sends onward is recorded in `routed`: stanzas for other servers, and stanzas for
// this server's JIDs that no session on this node took (other nodes', offline users').
import pino from 'pino';
import { parserLimits } from '../../src/adapters/xmpp/c2s/hub.js';
import { Session } from '../../src/adapters/xmpp/c2s/session.js';
import { xmppCluster } from '../../src/adapters/xmpp/cluster.js';
import { type StanzaCondition, StanzaError, type StanzaErrorType } from '../../src/adapters/xmpp/errors.js';
import type { C2sSession, Inbound, ModuleContext, Onward, XmppModule } from '../../src/adapters/xmpp/module.js';
import { hostedDomains } from '../../src/adapters/xmpp/onward.js';
import { Router } from '../../src/adapters/xmpp/router.js';
import { Sessions } from '../../src/adapters/xmpp/sessions.js';
import { type XmlElement, x } from '../../src/adapters/xmpp/xml/element.js';
import type { Services } from '../../src/compose.js';
import { addressOf, type User } from '../../src/core/users/model.js';
import { closeCore, openCore } from '../../src/create-server.js';
import { formatJid, type Jid, parseJid } from '../../src/lib/jid.js';
import { loadConfig } from '../../src/platform/config/load.js';

/** A generous bound against hangs, so that a busy machine passes. */
const WAIT_MS = 30_000;
/** Session ids count across harnesses, so two over one core (two nodes) never share one, as in a cluster. */
let sessionCount = 0;

export interface TestSession extends C2sSession {
  sent: XmlElement[];
  /** Takes what was sent so far. */
  take(): XmlElement[];
  /** The first stanza sent (now or within a generous bound) that matches, taken out of `sent`. */
  next(match: (s: XmlElement) => boolean, what?: string): Promise<XmlElement>;
}

/** The HTTP base URL the modules see (links to files). */
export const HTTP_URL = 'https://parley.example.test';

/** A bound session (the real one, without a transport) that keeps what it is sent. */
class RecordingSession extends Session implements TestSession {
  readonly sent: XmlElement[] = [];
  private waiters: (() => void)[] = [];

  override send(stanza: XmlElement): void {
    super.send(stanza);
    this.sent.push(stanza);
    for (const w of this.waiters.splice(0)) w();
  }

  take(): XmlElement[] {
    return this.sent.splice(0);
  }

  async next(match: (s: XmlElement) => boolean, what = 'a stanza'): Promise<XmlElement> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.sent.findIndex(match);
      if (i >= 0) return this.sent.splice(i, 1)[0] as XmlElement;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${formatJid(this.jid)}: no ${what}; got ${this.sent.join('\n')}`);
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

export const jid = (s: string): Jid => {
  const j = parseJid(s);
  if (!j) throw new Error(`bad JID ${s}`);
  return j;
};

export interface Harness {
  core: Services;
  /** The clock of a core the harness opened (a given core keeps its own). */
  clock: { now: number };
  ctx: ModuleContext;
  router: Router;
  /** Stanzas routed to JIDs with no session here (other servers, other nodes, offline users). */
  routed: XmlElement[];
  /** The user with this address, created (with its tenant) when missing. */
  user(address: string): Promise<User>;
  session(user: User, resource: string, lang?: string): TestSession;
  /** A session of `address` (created as `user` does), bound and announced to the modules. */
  bind(address: string, resource: string, lang?: string): Promise<TestSession>;
  end(session: TestSession): Promise<void>;
  /**
   * The stanza through the router, from a session (errors go back to it) or from another server
   * when `from` is given (errors are routed back); resolves when what it routed has arrived.
   */
  inbound(stanza: XmlElement, o: { session?: TestSession; from?: string }): Promise<Inbound>;
  /**
   * An IQ get/set of `session` to its own account (or `to`) through the router: the result's
   * payload (undefined when empty); an error reply rejects as the StanzaError it carries.
   */
  iq(session: TestSession, type: 'get' | 'set', payload: XmlElement, to?: string): Promise<XmlElement | undefined>;
  /** A stanza of `session` through the router; the error reply it was sent for it, if any (it stays in `sent`). */
  send(session: TestSession, stanza: XmlElement): Promise<XmlElement | undefined>;
  /** An IQ of `session` through the router; its reply (result or error), taken out of `sent`. */
  request(session: TestSession, stanza: XmlElement): Promise<XmlElement | undefined>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A running core (e.g. a test server's) to use instead of opening one; close() leaves it open. */
  core?: Services;
}

export async function startModules(
  make: () => XmppModule[],
  start = Date.UTC(2026, 2, 2, 9, 0),
  options: HarnessOptions = {},
): Promise<Harness> {
  const clock = { now: start };
  const core =
    options.core ??
    (await openCore({
      config: loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } }),
      log: pino({ level: 'silent' }),
      clock: { now: () => clock.now },
    }));
  const log = core.ctx.log;
  const sessions = new Sessions();
  const routed: XmlElement[] = [];
  const modules = make();
  const onward: Onward = {
    hosts: hostedDomains(core, modules),
    remote: (stanza) => void routed.push(stanza),
    // No other nodes: what no session here took is recorded (an offline user's, say).
    async nodes(stanza, to) {
      const here = to.resource === null ? sessions.ofBare(to).length > 0 : sessions.byJid(to) !== undefined;
      if (!here) routed.push(stanza);
      return false;
    },
  };
  const router = new Router(modules, sessions, log, onward);
  // What modules route is awaited before a harness call returns, so tests see it arrived.
  const pending = new Set<Promise<unknown>>();
  const route = (stanza: XmlElement) => {
    const p = router.route(stanza).finally(() => pending.delete(p));
    pending.add(p);
  };
  const settled = async () => {
    while (pending.size > 0) await Promise.all(pending);
  };
  // The cluster's holdings as a node has them (with one node, every claim is this node's).
  const { holdings } = xmppCluster({
    core,
    log,
    sessions,
    limits: parserLimits(loadConfig({ env: {} }).xmpp),
    deliver: (stanza, to) => router.deliver(stanza, to),
    route,
    replaced: () => undefined,
  });
  const ctx: ModuleContext = { core, log, sessions, modules, route, httpUrl: () => HTTP_URL, holdings };
  const stops = await Promise.all(modules.map((m) => m.start?.(ctx)));
  let n = 0;

  /** The stanza from `session` through the router; where the reply with its id is in `sent` (-1: none). */
  const exchange = async (session: TestSession, stanza: XmlElement) => {
    const before = session.sent.length;
    await router.inbound(
      stanza.withAttrs({ from: formatJid(session.jid) }),
      session.jid,
      (r) => session.send(r),
      session,
    );
    await settled();
    return session.sent.findIndex(
      (s, i) =>
        i >= before &&
        s.name === stanza.name &&
        s.attrs.id === stanza.attrs.id &&
        (s.attrs.type === 'error' || (s.name === 'iq' && s.attrs.type === 'result')),
    );
  };

  const h: Harness = {
    core,
    clock,
    ctx,
    router,
    routed,
    async user(address) {
      const existing = await core.users.byAddress(address);
      if (existing) return existing;
      const [local, domain] = address.split('@') as [string, string];
      const tenant = await core.tenants.byDomain(domain).catch(() => core.tenants.create({ domain, name: domain }));
      return (await core.users.create(tenant.id, { local, domain, role: 'user', password: 'secret-password' })).user;
    },
    session(user, resource, lang = 'en') {
      const full = jid(`${addressOf(user)}/${resource}`);
      const s = new RecordingSession(`s${++sessionCount}`, user.tenantId, user, full, lang, '127.0.0.1', true);
      sessions.add(s);
      for (const m of modules) void m.sessionBound?.(s);
      return s;
    },
    async bind(address, resource, lang) {
      const s = h.session(await h.user(address), resource, lang);
      await settled();
      return s;
    },
    async end(session) {
      sessions.remove(session as RecordingSession);
      for (const m of modules) await m.sessionEnded?.(session);
      await settled();
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
      const session = o.session;
      await router.inbound(inbound.stanza, from, (r) => (session ? session.send(r) : route(r)), session);
      await settled();
      return inbound;
    },
    async iq(session, type, payload, to) {
      const reply = await h.request(session, x('iq', { type, id: `q${++n}`, to }, payload));
      if (!reply) throw new Error(`no reply to the ${type} of ${payload.xmlns}`);
      if (reply.attrs.type === 'error') throw stanzaErrorOf(reply);
      return reply.elements()[0];
    },
    async send(session, stanza) {
      const at = await exchange(session, stanza);
      const reply = session.sent[at];
      return reply?.attrs.type === 'error' ? reply : undefined;
    },
    async request(session, stanza) {
      const at = await exchange(session, stanza);
      return at === -1 ? undefined : session.sent.splice(at, 1)[0];
    },
    async close() {
      for (const s of stops) s?.();
      await settled();
      if (!options.core) await closeCore(core);
    },
  };
  return h;
}

/** The StanzaError an error reply carries (RFC 6120 §8.3). */
function stanzaErrorOf(reply: XmlElement): StanzaError {
  const error = reply.child('error');
  const [condition, ...rest] = error?.elements() ?? [];
  const text = rest.find((e) => e.name === 'text')?.text();
  const app = rest.find((e) => e.name !== 'text');
  return new StanzaError(
    (condition?.name ?? 'undefined-condition') as StanzaCondition,
    text,
    error?.attrs.type as StanzaErrorType,
    app,
  );
}
