// The router: hands each stanza from a client to the modules (RFC 6120 §10, RFC 6121 §8) and
// delivers stanzas to the sessions bound on this node. IQ get/set to the server or the sender's
// own account go to the IQ handler of their payload's namespace; everything else is offered to
// each module's `handle` in order; what nobody takes gets the RFC's default.
import { bareJid, type Jid, parseJid, sameJid } from '../../lib/jid.js';
import type { Logger } from '../../platform/log.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from './errors.js';
import type { Inbound, IqHandler, Onward, XmppModule } from './module.js';
import type { Sessions } from './sessions.js';
import { type XmlElement, x } from './xml/element.js';

export class Router {
  private readonly iqHandlers = new Map<string, { get?: IqHandler; set?: IqHandler; anyone?: boolean }>();

  constructor(
    private readonly modules: readonly XmppModule[],
    private readonly sessions: Sessions,
    private readonly log: Logger,
    private readonly onward: Onward,
  ) {
    for (const m of modules) {
      for (const [ns, handlers] of Object.entries(m.iq ?? {})) {
        if (this.iqHandlers.has(ns)) throw new Error(`XMPP module ${m.name}: ${ns} has an IQ handler already`);
        this.iqHandlers.set(ns, handlers);
      }
    }
  }

  /**
   * Handles a stanza whose `from` the stream has stamped. Never throws: a module's failure is
   * the sender's error reply (and a log line when it was not a refusal).
   */
  async inbound(stanza: XmlElement, from: Jid, reply: (stanza: XmlElement) => void, session?: Inbound['session']) {
    const toAttr = stanza.attrs.to;
    const to = toAttr === undefined ? null : parseJid(toAttr);
    try {
      if (to === null && toAttr !== undefined) throw new StanzaError('jid-malformed', `"${toAttr}" is not a JID`);
      const inbound: Inbound = { stanza, from, to, session };
      for (const m of this.modules) if (m.admit && !(await m.admit(inbound))) return;
      // What is for an external component is routed to it as it is, past the modules.
      if (to && this.onward.component?.(to.domain)) {
        await this.route(stanza);
        return;
      }
      if (await this.iq(inbound, reply)) return;
      for (const m of this.modules) if (m.handle && (await m.handle(inbound))) return;
      await this.fallback(inbound);
    } catch (err) {
      const refusal = toStanzaError(err);
      if (!(err instanceof StanzaError)) this.log.warn({ err, stanza: stanza.name }, 'XMPP stanza handling failed');
      if (mayReplyWithError(stanza)) reply(errorReply(stanza, refusal));
    }
  }

  /**
   * Sends a stanza to where its `to` lives: a domain this server serves goes to the sessions on
   * this node (a full JID's session, or a bare JID's sessions) and on to other nodes; any other
   * domain goes to its server. Resolves whether a session (on this node or another) took it.
   */
  async route(stanza: XmlElement): Promise<boolean> {
    const to = stanza.attrs.to === undefined ? null : parseJid(stanza.attrs.to);
    if (!to) return false;
    const component = this.onward.component?.(to.domain);
    if (component) return this.toComponent(component, stanza);
    if (await this.onward.hosts(to.domain)) return this.served(stanza, to);
    this.onward.remote(stanza, to);
    return false;
  }

  /** To a component; one that is not connected (to any node) answers `service-unavailable` for it. */
  private async toComponent(send: (stanza: XmlElement) => Promise<boolean>, stanza: XmlElement): Promise<boolean> {
    if (await send(stanza)) return true;
    if (mayReplyWithError(stanza)) {
      void this.route(errorReply(stanza, new StanzaError('service-unavailable', 'the component is not connected')));
    }
    return false;
  }

  /** To the sessions of a served `to`, on this node and on the others; whether any took it. */
  private async served(stanza: XmlElement, to: Jid): Promise<boolean> {
    const here = this.deliver(stanza, to);
    const elsewhere = to.local !== null && (await this.onward.nodes(stanza, to));
    return here || elsewhere;
  }

  /** Whether `to` is an account of a domain this server serves (its sessions may be on any node). */
  private async account(to: Jid | null): Promise<Jid | undefined> {
    return to !== null && to.local !== null && (await this.onward.hosts(to.domain)) ? to : undefined;
  }

  /** Delivers to the sessions on this node that `to` names; whether any took it. */
  deliver(stanza: XmlElement, to: Jid): boolean {
    if (to.local === null) return false;
    const targets = to.resource === null ? this.sessions.ofBare(to) : [this.sessions.byJid(to)];
    let delivered = false;
    for (const s of targets) {
      if (!s) continue;
      s.send(stanza);
      delivered = true;
    }
    return delivered;
  }

  /**
   * An IQ get/set to the server's domain or the sender's own account: its payload's handler. A
   * sender of another domain (another tenant, another server) reaches only the handlers open to
   * anyone (ping, disco); the rest concern the sender's own account here.
   */
  private async iq(inbound: Inbound, reply: (stanza: XmlElement) => void): Promise<boolean> {
    const { stanza, from, to } = inbound;
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'get' && type !== 'set')) return false;
    // The server's domain (a service such as conference.DOMAIN answers in its module's `handle`).
    const toDomain = to === null || (to.local === null && to.resource === null && !this.isService(to.domain));
    const forAccount = to !== null && to.resource === null && sameJid(to, from, true);
    if (!toDomain && !forAccount) return false;
    const payloads = stanza.elements();
    const payload = payloads[0];
    if (payloads.length !== 1 || !payload) throw new StanzaError('bad-request', 'an IQ get or set has one payload');
    const handlers = this.iqHandlers.get(payload.xmlns ?? '');
    const own = to === null || to.domain === from.domain;
    if (!handlers || (toDomain && !own && !handlers.anyone)) return false;
    const handler = handlers[type];
    // Without a handler, modules' handle() may still take it; else the fallback refuses it.
    if (!handler) return false;
    const result = await handler({ ...inbound, payload });
    reply(x('iq', { type: 'result', id: stanza.attrs.id, from: stanza.attrs.to, to: stanza.attrs.from }, result));
    return true;
  }

  /** Whether `domain` is a service a module lists for its parent domain (`conference.DOMAIN`). */
  private isService(domain: string): boolean {
    const parent = domain.slice(domain.indexOf('.') + 1);
    return this.modules.some((m) => m.discoItems?.(parent).some((item) => item.jid === domain));
  }

  /** RFC 6120 §10.3–10.5 defaults for what no module took. */
  private async fallback({ stanza, from, to }: Inbound): Promise<void> {
    const type = stanza.attrs.type;
    if (stanza.name === 'iq' && (type === 'result' || type === 'error')) {
      await this.route(stanza);
      return;
    }
    const account = await this.account(to);
    if (stanza.name === 'presence') {
      if (account && account.resource !== null) await this.served(stanza, account);
      return;
    }
    if (stanza.name === 'iq' && (to === null || to.resource === null)) throw new StanzaError('service-unavailable');
    if (account && (await this.served(stanza, account))) return;
    if (stanza.name === 'message' && (type === 'groupchat' || type === 'headline')) return;
    const own = to !== null && bareJid(to) === bareJid(from);
    if (stanza.name === 'message' && own) return;
    throw new StanzaError('service-unavailable');
  }
}
