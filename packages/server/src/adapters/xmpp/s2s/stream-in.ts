// One stream another server opened to this one (RFC 6120 §4–§6): STARTTLS required, then the
// peer authenticates a (remote, local) domain pair with SASL EXTERNAL on its certificate (RFC 6120
// §6, XEP-0178) or with dialback (XEP-0220), which this server verifies with the remote domain's
// authoritative server; a `blocked` domain is refused at the header. Stanzas pass to the router
// only from a pair the stream authenticated; anything else ends the stream with `invalid-from`.
// A peer that asks for bidirectionality (XEP-0288) gets our stanzas to its authenticated domains
// on this stream too.
import { parseJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import { randomId } from '../c2s/hub.js';
import type { TcpTransport } from '../c2s/tcp.js';
import { STANZAS_NS } from '../errors.js';
import { StreamError, streamErrorElement } from '../stream-error.js';
import { listenInOrder, negotiationTimer } from '../stream-queue.js';
import { type XmlElement, x } from '../xml/element.js';
import { isStreamElement, type StreamEvent } from '../xml/parser.js';
import { bidiFeature, isBidiRequest } from './bidi.js';
import { DIALBACK_FEATURE_NS, dialback, dialbackKeyValid, isDialback } from './dialback.js';
import {
  certificateState,
  dialbackSecret,
  passInbound,
  refuseBlocked,
  type S2sHub,
  s2sHeader,
  trustBetween,
} from './hub.js';
import { authenticationFor, pairKey } from './policy.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';

type State = 'header' | 'tls' | 'open' | 'closed';

export class S2sInStream {
  private state: State = 'header';
  private headerSent = false;
  private streamId = '';
  private local = '';
  private remote: string | undefined;
  /** (remote, local) pairs authenticated on this stream. */
  private readonly authenticated = new Set<string>();
  /** The peer asked for bidirectionality (XEP-0288): our stanzas to it may come this way. */
  private bidi = false;
  private readonly negotiation: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly hub: S2sHub,
    private readonly transport: TcpTransport,
  ) {
    this.log = hub.log.child({ s2s: 'in', address: transport.address });
    this.negotiation = negotiationTimer(hub.config.limits.negotiationSeconds, () =>
      this.fail(new StreamError('connection-timeout', 'not authenticated in time')),
    );
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

  /** Traffic either way: the stream lives on until `limits.idleSeconds` pass without any. */
  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), this.hub.config.limits.idleSeconds * 1000);
    this.idle.unref();
  }

  private authenticate(remote: string, local: string, how: string): void {
    this.authenticated.add(pairKey(remote, local));
    clearTimeout(this.negotiation);
    this.log.info({ remote, local, how, bidi: this.bidi }, 'XMPP s2s peer authenticated');
    this.offerRoutes();
  }

  /** On a bidirectional stream that is open (its header out), the manager may use its pairs our way. */
  private offerRoutes(): void {
    if (!this.bidi || this.state !== 'open' || !this.headerSent) return;
    for (const pair of this.authenticated) {
      const [remote, local] = pair.split(' ') as [string, string];
      this.hub.bidi.add(local, remote, this);
    }
  }

  /** XEP-0288: a stanza from one of our domains to the peer's, on this bidirectional stream. */
  send(stanza: XmlElement): void {
    if (this.state === 'closed') return;
    this.transport.send(stanza);
    this.touch();
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
    if (isBidiRequest(el)) return this.bidiRequested();
    return passInbound(this.hub, el, this.authenticated);
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
    if (this.remote) await refuseBlocked(this.hub, this.remote, this.local);
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
      if (this.hub.config.s2s.bidi && this.authenticated.size === 0 && !this.bidi) features.append(bidiFeature());
    }
    this.transport.send(features);
    this.offerRoutes();
  }

  /** XEP-0288 §2.2: offered only after TLS and before any domain authenticated. */
  private bidiRequested(): void {
    if (!this.hub.config.s2s.bidi) throw new StreamError('unsupported-stanza-type', 'bidirectional streams are off');
    if (this.state !== 'open' || this.authenticated.size > 0) {
      throw new StreamError('policy-violation', 'bidi is asked for after TLS and before authentication');
    }
    this.bidi = true;
    this.log.info({ remote: this.remote }, 'XMPP s2s peer asked for a bidirectional stream');
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
    this.restart(); // before the pair counts: our stanzas wait for the restarted stream
    this.authenticate(authzid, this.local, 'SASL EXTERNAL');
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

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.negotiation);
    clearTimeout(this.idle);
    this.hub.bidi.remove(this);
    this.transport.end();
  }
}
