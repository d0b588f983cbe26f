// One client stream (RFC 6120 §4–§7) as a state machine: stream header → STARTTLS → SASL →
// (restart) → resource binding or XEP-0198 resumption → stanzas to the router. What arrives is
// handled one element at a time, in order; a stanza a module fails on never ends the stream.
import { addressOf, type User } from '../../../core/users/model.js';
import { formatJid, type Jid, parseJid, sameJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import { errorReply, STANZAS_NS, StanzaError } from '../errors.js';
import { StreamError, streamErrorElement } from '../stream-error.js';
import { listenInOrder, negotiationTimer } from '../stream-queue.js';
import { type XmlElement, x } from '../xml/element.js';
import type { StreamEvent } from '../xml/parser.js';
import { type C2sHub, randomId, replace } from './hub.js';
import { channelBindingTypes, mechanismsElement, mechanismsFor, SASL_NS, SaslNegotiation } from './sasl.js';
import { Session } from './session.js';
import { SM_NS, StreamManagement } from './sm.js';
import type { Transport } from './transport.js';

export const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const BIND_NS = 'urn:ietf:params:xml:ns:xmpp-bind';
export const SESSION_NS = 'urn:ietf:params:xml:ns:xmpp-session';
export const CSI_NS = 'urn:xmpp:csi:0';

/** Where the stream stands: waiting for a header, for STARTTLS, for SASL, for a bind, or bound. */
type State = 'header' | 'tls' | 'sasl' | 'bind' | 'bound' | 'closed';

const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

export class C2sStream {
  private state: State = 'header';
  private headerSent = false;
  private domain = '';
  private lang = 'en';
  private sasl: SaslNegotiation | undefined;
  private saslFailures = 0;
  private user: User | undefined;
  private session: Session | undefined;
  /** The stream ended for good (closed by the client, or a stream error): not resumable. */
  private finished = false;
  private readonly negotiation: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly hub: C2sHub,
    private readonly transport: Transport,
    /** Offer PLAIN without TLS (a WebSocket so configured). */
    private readonly allowPlain = false,
  ) {
    this.log = hub.log.child({ address: transport.address, transport: transport.kind });
    this.negotiation = negotiationTimer(hub.config.limits.negotiationSeconds, () =>
      this.fail(new StreamError('connection-timeout', 'no resource bound in time')),
    );
    // Methods, not arrow functions: under tsx (esbuild's keepNames) each named closure gets its own
    // `name` property in dictionary mode, ~250 bytes per closure and stream (docs/benchmarks.md, W4).
    const stream = this;
    listenInOrder(transport, {
      max: hub.config.limits.maxQueuedStanzas,
      handle(e) {
        return stream.handle(e);
      },
      fail(err) {
        stream.fail(err);
      },
      closed() {
        return stream.state === 'closed';
      },
      log: this.log,
      lost() {
        stream.lost();
      },
      active() {
        stream.touch();
      },
    });
  }

  /** Ends the stream with a stream error (sent after a header when none was sent yet). */
  fail(err: StreamError): void {
    if (this.state === 'closed') return;
    this.log.info({ condition: err.condition, reason: err.text }, 'XMPP stream error');
    if (!this.headerSent) this.header();
    this.transport.send(streamErrorElement(err));
    this.finished = true;
    this.close();
  }

  private async handle(e: StreamEvent): Promise<void> {
    if (e.kind === 'open') return this.open(e.attrs);
    if (e.kind === 'close') {
      this.finished = true;
      return this.close();
    }
    const el = e.element;
    switch (this.state) {
      case 'tls':
        return this.starttls(el);
      case 'sasl':
        if (el.name === 'starttls' && el.xmlns === TLS_NS && this.transport.canStartTls) return this.starttls(el);
        return this.authenticate(el);
      case 'bind':
        return this.beforeBind(el);
      case 'bound':
        return this.bound(el);
      default:
        throw new StreamError('not-authorized');
    }
  }

  private async open(attrs: Record<string, string>): Promise<void> {
    const to = attrs.to === undefined ? null : parseJid(attrs.to);
    if (!to || to.local !== null || to.resource !== null) throw new StreamError('host-unknown', 'no such domain here');
    if (this.domain !== '' && to.domain !== this.domain) throw new StreamError('host-unknown', 'the domain changed');
    const tenant = await this.hub.core.tenants.byDomain(to.domain).catch(() => undefined);
    if (!tenant) throw new StreamError('host-unknown', `${to.domain} is not served here`);
    this.domain = to.domain;
    this.lang = attrs['xml:lang'] ?? this.lang;
    this.header();
    if (!/^[1-9]\d*\.\d+$/.test(attrs.version ?? ''))
      throw new StreamError('unsupported-version', 'XMPP 1.0 is needed');
    const features = x('stream:features');
    if (this.user) {
      this.state = 'bind';
      features.append(
        x('bind', { xmlns: BIND_NS }),
        x('session', { xmlns: SESSION_NS }, x('optional')),
        x('sm', { xmlns: SM_NS }),
        x('csi', { xmlns: CSI_NS }),
        ...this.hub.modules.flatMap((m) => (this.session && m.streamFeatures?.(this.session)) || []),
      );
    } else if (this.transport.canStartTls && this.hub.config.c2s.requireTls) {
      this.state = 'tls';
      features.append(x('starttls', { xmlns: TLS_NS }, x('required')));
    } else {
      this.state = 'sasl';
      if (this.transport.canStartTls) features.append(x('starttls', { xmlns: TLS_NS }));
      const channel = this.channel();
      features.append(mechanismsElement(mechanismsFor(channel)), channelBindingTypes(channel));
    }
    this.transport.send(features);
  }

  private header(): void {
    this.headerSent = true;
    const from: Record<string, string> = this.domain === '' ? {} : { from: this.domain };
    this.transport.header({ ...from, id: randomId(), version: '1.0', 'xml:lang': 'en' });
  }

  private channel() {
    return {
      address: this.transport.address,
      domain: this.domain,
      secure: this.transport.secure,
      channelBindings: this.transport.channelBindings(),
      allowPlain: this.allowPlain,
    };
  }

  /** A new stream on the same connection: the client sends a fresh header next. */
  private restart(): void {
    this.state = 'header';
    this.headerSent = false;
    this.transport.restart();
  }

  private starttls(el: XmlElement): void {
    if (el.name !== 'starttls' || el.xmlns !== TLS_NS) throw new StreamError('policy-violation', 'STARTTLS first');
    this.restart();
    this.transport.send(x('proceed', { xmlns: TLS_NS }));
    this.transport.startTls();
  }

  private async authenticate(el: XmlElement): Promise<void> {
    if (el.xmlns !== SASL_NS) throw new StreamError('not-authorized', 'authenticate first');
    this.sasl ??= new SaslNegotiation(this.hub.core, this.channel());
    const step = await this.sasl.step(el);
    if (step.failed) {
      this.sasl = undefined;
      this.saslFailures += 1;
    }
    if (step.user) {
      // Its exchange and the channel's binding data are no longer needed: not kept per session.
      this.sasl = undefined;
      this.user = step.user;
      const jid = parseJid(addressOf(step.user)) as Jid;
      const t = this.transport;
      this.session = new Session(randomId(), step.user.tenantId, step.user, jid, this.lang, t.address, t.secure);
      this.restart();
      this.log.info({ user: step.user.id }, 'XMPP client signed in');
    }
    this.transport.send(step.reply);
    // RFC 6120 §6.4.5: a few retries, then the stream ends.
    if (this.saslFailures >= 3) throw new StreamError('policy-violation', 'too many failed authentications');
  }

  private async beforeBind(el: XmlElement): Promise<void> {
    if (el.xmlns === SM_NS && el.name === 'resume') return this.resume(el);
    if (el.xmlns === SM_NS && el.name === 'enable') {
      this.transport.send(x('failed', { xmlns: SM_NS }, x('unexpected-request', { xmlns: STANZAS_NS })));
      return;
    }
    const bind = el.name === 'iq' && el.attrs.type === 'set' ? el.child('bind', BIND_NS) : undefined;
    if (!bind) throw new StreamError('not-authorized', 'bind a resource first');
    const session = this.session as Session;
    const requested = bind.childText('resource')?.trim();
    const jid = parseJid(`${session.bare}/${requested || randomId(9)}`);
    if (!jid) {
      this.transport.send(errorReply(el, new StanzaError('bad-request', 'not a valid resource')));
      return;
    }
    session.jid = jid;
    session.transport = this.transport;
    session.kick = (err) => this.fail(err);
    // The modules first (the cluster's endpoints: the resource is taken on every node), then this
    // node's registry: nothing reaches the session before its client learns its JID.
    for (const m of this.hub.modules) {
      try {
        await m.sessionBound?.(session);
      } catch (err) {
        this.log.error({ err, module: m.name }, 'XMPP module failed on a bound session');
      }
    }
    if (this.state === 'closed') return; // lost meanwhile: ended already
    const replaced = this.hub.sessions.add(session);
    if (replaced) replace(this.hub, replaced);
    this.state = 'bound';
    clearTimeout(this.negotiation);
    this.touch();
    this.transport.send(
      x('iq', { type: 'result', id: el.attrs.id }, x('bind', { xmlns: BIND_NS }, x('jid', {}, formatJid(jid)))),
    );
  }

  private async bound(el: XmlElement): Promise<void> {
    const session = this.session as Session;
    if (el.xmlns === SM_NS) return this.streamManagement(el, session);
    if (el.xmlns === CSI_NS && (el.name === 'active' || el.name === 'inactive')) {
      session.inactive = el.name === 'inactive';
      return;
    }
    if (!STANZA_NAMES.has(el.name) || el.xmlns !== undefined) throw new StreamError('unsupported-stanza-type');
    const from = el.attrs.from === undefined ? session.jid : parseJid(el.attrs.from);
    const own = from && (sameJid(from, session.jid) || (from.resource === null && sameJid(from, session.jid, true)));
    if (!own) throw new StreamError('invalid-from', 'a client sends only from its own address');
    const stanza = el.withAttrs({ from: formatJid(session.jid) });
    const reply = (s: XmlElement) => session.send(s);
    if (el.name === 'iq' && el.attrs.type === 'set' && el.child('session', SESSION_NS)) {
      // RFC 3921's session establishment, optional now: an empty result.
      reply(x('iq', { type: 'result', id: el.attrs.id, to: stanza.attrs.from }));
    } else await this.hub.router.inbound(stanza, session.jid, reply, session);
    session.sm?.received();
  }

  private streamManagement(el: XmlElement, session: Session): void {
    const sm = session.sm;
    if (el.name === 'enable') {
      if (sm) {
        this.transport.send(x('failed', { xmlns: SM_NS }, x('unexpected-request', { xmlns: STANZAS_NS })));
        return;
      }
      const seconds = this.hub.config.resumeSeconds;
      const resume = (el.attrs.resume === 'true' || el.attrs.resume === '1') && seconds > 0;
      const token = resume ? randomId() : null;
      session.sm = new StreamManagement(token);
      if (token) this.hub.sessions.resumable(token, session);
      const attrs = token ? { id: token, resume: 'true', max: String(seconds) } : {};
      this.transport.send(x('enabled', { xmlns: SM_NS, ...attrs }));
      return;
    }
    if (!sm) throw new StreamError('unsupported-stanza-type', 'stream management is not enabled');
    if (el.name === 'r') {
      this.transport.send(x('a', { xmlns: SM_NS, h: String(sm.handled) }));
      return;
    }
    if (el.name === 'a') {
      const h = StreamManagement.count(el.attrs.h);
      if (h === undefined || !session.acknowledged(h)) {
        throw new StreamError(
          'undefined-condition',
          'acknowledged more stanzas than were sent (handled-count-too-high)',
        );
      }
      return;
    }
    throw new StreamError('unsupported-stanza-type');
  }

  /** XEP-0198 §5: takes over a session lost within the timeout, resending what it missed. */
  private resume(el: XmlElement): void {
    const user = this.user as User;
    const old = this.hub.sessions.byToken(el.attrs.previd ?? '');
    const h = StreamManagement.count(el.attrs.h);
    if (!old?.sm || old.tenantId !== user.tenantId || old.user.id !== user.id || h === undefined) {
      this.transport.send(x('failed', { xmlns: SM_NS }, x('item-not-found', { xmlns: STANZAS_NS })));
      return;
    }
    if (!old.acknowledged(h)) throw new StreamError('undefined-condition', 'handled-count-too-high');
    old.transport?.end();
    old.transport = undefined;
    clearTimeout(old.expiry);
    this.session = old;
    old.transport = this.transport;
    old.address = this.transport.address;
    old.secure = this.transport.secure;
    old.kick = (err) => this.fail(err);
    this.state = 'bound';
    clearTimeout(this.negotiation);
    this.touch();
    this.transport.send(x('resumed', { xmlns: SM_NS, previd: el.attrs.previd, h: String(old.sm.handled) }));
    for (const stanza of old.sm.unacked()) this.transport.send(stanza);
    this.log.info({ user: user.id }, 'XMPP stream resumed');
  }

  private touch(): void {
    if (this.state !== 'bound') return;
    clearTimeout(this.idle);
    this.idle = setTimeout(
      () => this.fail(new StreamError('connection-timeout', 'idle too long')),
      this.hub.config.limits.idleSeconds * 1000,
    );
    this.idle.unref();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.negotiation);
    clearTimeout(this.idle);
    this.transport.end();
  }

  /** The connection is gone: the session ends, or waits to be resumed (XEP-0198). */
  private lost(): void {
    this.state = 'closed';
    clearTimeout(this.negotiation);
    clearTimeout(this.idle);
    const session = this.session;
    if (!session || session.transport !== this.transport) return; // never bound, or resumed elsewhere
    session.transport = undefined;
    session.kick = undefined;
    if (!this.finished && session.sm?.token) {
      session.expiry = setTimeout(() => this.hub.ended(session), this.hub.config.resumeSeconds * 1000);
      session.expiry.unref();
      return;
    }
    this.hub.ended(session);
  }
}
