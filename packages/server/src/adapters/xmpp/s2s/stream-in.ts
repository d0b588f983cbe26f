// One stream another server opened to this one (RFC 6120 §4–§6): STARTTLS required, then the
// peer authenticates a (remote, local) domain pair with SASL EXTERNAL on its certificate (RFC 6120
// §6, XEP-0178) or with dialback (XEP-0220), which this server verifies with the remote domain's
// authoritative server; a `blocked` domain is refused at the header. Stanzas pass to the router
// only from a pair the stream authenticated; anything else ends the stream with `invalid-from`.
import { formatJid, parseJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import { randomId } from '../c2s/hub.js';
import type { TcpTransport } from '../c2s/tcp.js';
import { STANZAS_NS } from '../errors.js';
import { StreamError, streamErrorElement } from '../stream-error.js';
import { listenInOrder } from '../stream-queue.js';
import { type XmlElement, x } from '../xml/element.js';
import { isStreamElement, type StreamEvent } from '../xml/parser.js';
import { DIALBACK_FEATURE_NS, dialback, dialbackKeyValid, isDialback } from './dialback.js';
import { certificateState, dialbackSecret, type S2sHub, s2sHeader, trustBetween } from './hub.js';
import { addressingError, authenticationFor, pairKey } from './policy.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';
const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

type State = 'header' | 'tls' | 'open' | 'closed';

export class S2sInStream {
  private state: State = 'header';
  private headerSent = false;
  private streamId = '';
  private local = '';
  private remote: string | undefined;
  /** (remote, local) pairs authenticated on this stream. */
  private readonly authenticated = new Set<string>();
  private readonly negotiation: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly hub: S2sHub,
    private readonly transport: TcpTransport,
  ) {
    this.log = hub.log.child({ s2s: 'in', address: transport.address });
    this.negotiation = setTimeout(
      () => this.fail(new StreamError('connection-timeout', 'not authenticated in time')),
      hub.config.limits.negotiationSeconds * 1000,
    );
    this.negotiation.unref();
    listenInOrder(transport, {
      max: hub.config.limits.maxQueuedStanzas,
      handle: (e) => this.handle(e),
      fail: (err) => this.fail(err),
      closed: () => this.state === 'closed',
      log: this.log,
      lost: () => this.close(),
      active: () => this.touch(),
    });
  }

  /** Traffic arrived: the stream lives on until `limits.idleSeconds` pass without any. */
  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), this.hub.config.limits.idleSeconds * 1000);
    this.idle.unref();
  }

  private authenticate(remote: string, local: string, how: string): void {
    this.authenticated.add(pairKey(remote, local));
    clearTimeout(this.negotiation);
    this.log.info({ remote, local, how }, 'XMPP s2s peer authenticated');
  }

  /** Ends the stream with a stream error (after a header when none was sent yet). */
  fail(err: StreamError): void {
    if (this.state === 'closed') return;
    this.log.info({ condition: err.condition, reason: err.text, remote: this.remote }, 'XMPP s2s stream error');
    if (!this.headerSent) this.header();
    this.transport.send(streamErrorElement(err));
    this.close();
  }

  private async handle(e: StreamEvent): Promise<void> {
    if (e.kind === 'open') return this.open(e.attrs);
    if (e.kind === 'close') return this.close();
    const el = e.element;
    if (this.state === 'tls') {
      if (el.name !== 'starttls' || el.xmlns !== TLS_NS) throw new StreamError('policy-violation', 'STARTTLS first');
      this.restart();
      this.transport.send(x('proceed', { xmlns: TLS_NS }));
      this.transport.startTls();
      return;
    }
    if (isStreamElement(el, 'error')) {
      this.log.info({ remote: this.remote, error: el.toString().slice(0, 300) }, 'XMPP s2s peer ended the stream');
      return this.close();
    }
    if (isDialback(el)) return el.name === 'verify' ? this.verify(el) : this.result(el);
    if (el.xmlns === SASL_NS) return this.external(el);
    if (!STANZA_NAMES.has(el.name) || el.xmlns !== undefined) throw new StreamError('unsupported-stanza-type');
    return this.stanza(el);
  }

  private header(): void {
    this.headerSent = true;
    this.streamId = randomId();
    this.transport.header(s2sHeader({ from: this.local || undefined, to: this.remote, id: this.streamId }));
  }

  /** A new stream on the connection (after STARTTLS and SASL): the peer sends a fresh header next. */
  private restart(): void {
    this.state = 'header';
    this.headerSent = false;
    this.transport.restart();
  }

  private async open(attrs: Record<string, string>): Promise<void> {
    const to = parseJid(attrs.to ?? '');
    if (!to || to.local !== null || to.resource !== null || !(await this.hub.hosts(to.domain))) {
      throw new StreamError('host-unknown', `${attrs.to ?? 'no domain'} is not served here`);
    }
    this.local = to.domain;
    const from = attrs.from === undefined ? null : parseJid(attrs.from);
    if (from && (from.local !== null || from.resource !== null)) throw new StreamError('invalid-from', 'not a domain');
    this.remote = from?.domain ?? this.remote;
    this.header();
    if (!/^[1-9]\d*\.\d+$/.test(attrs.version ?? ''))
      throw new StreamError('unsupported-version', 'XMPP 1.0 is needed');
    if (this.remote) await this.refuseBlocked(this.remote, this.local);
    const features = x('stream:features');
    if (!this.transport.secure) {
      this.state = 'tls';
      features.append(x('starttls', { xmlns: TLS_NS }, x('required')));
    } else {
      this.state = 'open';
      const sasl = this.remote !== undefined && !this.authenticated.has(pairKey(this.remote, this.local));
      if (sasl && certificateState(this.transport.tls, this.remote as string) === 'valid') {
        features.append(x('mechanisms', { xmlns: SASL_NS }, x('mechanism', {}, 'EXTERNAL')));
      }
      features.append(x('dialback', { xmlns: DIALBACK_FEATURE_NS }, x('errors')));
    }
    this.transport.send(features);
  }

  private async refuseBlocked(remote: string, local: string): Promise<void> {
    if ((await trustBetween(this.hub, local, remote)) === 'blocked') {
      throw new StreamError('policy-violation', `${local} does not federate with ${remote}`);
    }
  }

  /** SASL EXTERNAL (RFC 6120 §6.4, XEP-0178): the certificate must be valid for the claimed domain. */
  private async external(el: XmlElement): Promise<void> {
    const failure = (condition: string, text: string) =>
      this.transport.send(x('failure', { xmlns: SASL_NS }, x(condition), x('text', { 'xml:lang': 'en' }, text)));
    if (el.name !== 'auth' || el.attrs.mechanism !== 'EXTERNAL' || this.state !== 'open') {
      return failure('invalid-mechanism', 'only EXTERNAL is offered, after TLS');
    }
    const given = el.text().trim();
    const authzid = given === '' || given === '=' ? this.remote : Buffer.from(given, 'base64').toString('utf8');
    if (!authzid || authzid !== this.remote) {
      return failure('invalid-authzid', 'the identity must be the domain of the stream header');
    }
    const level = await trustBetween(this.hub, this.local, authzid);
    const way = authenticationFor(level, certificateState(this.transport.tls, authzid));
    if (way !== 'external') return failure('not-authorized', `the certificate is not valid for ${authzid}`);
    this.authenticate(authzid, this.local, 'SASL EXTERNAL');
    this.restart();
    this.transport.send(x('success', { xmlns: SASL_NS }));
  }

  /** XEP-0220 §2.1.2: the peer asks to be let in as `from`; its authoritative server decides. */
  private async result(el: XmlElement): Promise<void> {
    const remote = el.attrs.from ?? '';
    const local = el.attrs.to ?? '';
    const answer = (type: 'valid' | 'invalid' | 'error', error?: XmlElement) =>
      this.transport.send(dialback('result', { from: local, to: remote, type }).append(error));
    if (!this.transport.secure) throw new StreamError('policy-violation', 'STARTTLS first');
    if (!(await this.hub.hosts(local))) {
      return answer('error', x('error', { type: 'cancel' }, x('item-not-found', { xmlns: STANZAS_NS })));
    }
    if (!parseJid(remote) || (this.remote !== undefined && remote !== this.remote)) {
      throw new StreamError('invalid-from', 'dialback for another domain than the stream’s');
    }
    const level = await trustBetween(this.hub, local, remote);
    if (authenticationFor(level, 'none') === 'refused') {
      return answer('error', x('error', { type: 'cancel' }, x('not-allowed', { xmlns: STANZAS_NS })));
    }
    const valid = await this.hub.verifyDialback(remote, local, this.streamId, el.text().trim());
    if (this.state === 'closed') return;
    if (valid) this.authenticate(remote, local, 'dialback');
    answer(valid ? 'valid' : 'invalid');
  }

  /** XEP-0220 §2.2: as the authoritative server, whether a key is ours for that stream. */
  private async verify(el: XmlElement): Promise<void> {
    const receiving = el.attrs.from ?? '';
    const originating = el.attrs.to ?? '';
    const id = el.attrs.id ?? '';
    const ours = await this.hub.hosts(originating);
    const valid = ours && dialbackKeyValid(await dialbackSecret(this.hub), el.text(), receiving, originating, id);
    this.transport.send(
      dialback('verify', { from: originating, to: receiving, id, type: valid ? 'valid' : 'invalid' }),
    );
  }

  private async stanza(el: XmlElement): Promise<void> {
    const from = parseJid(el.attrs.from ?? '');
    const to = parseJid(el.attrs.to ?? '');
    const wrong = addressingError(from, to, this.authenticated);
    if (wrong) throw new StreamError(wrong, `${el.attrs.from ?? 'no from'} is not authenticated on this stream`);
    if (!from || !to) return;
    // A domain blocked since the stream was authenticated is refused from its next stanza on.
    await this.refuseBlocked(from.domain, to.domain);
    const stanza = el.withAttrs({ from: formatJid(from) });
    if (this.hub.pingAnswered(stanza)) return;
    await this.hub.router.inbound(stanza, from, (reply) => void this.hub.router.route(reply));
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.negotiation);
    clearTimeout(this.idle);
    this.transport.end();
  }
}
