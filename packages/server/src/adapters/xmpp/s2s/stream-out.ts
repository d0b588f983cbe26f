// One stream this server opens to another (RFC 6120 §4–§6): to a (local, remote) domain pair,
// STARTTLS required (or direct TLS per XEP-0368), then SASL EXTERNAL on our certificate when the
// peer offers it, else dialback (XEP-0220); stanzas wait in a bounded queue until the stream is
// authenticated and bounce (RFC 6120 §8.3) when it fails. When the peer offers it, the stream is
// bidirectional (XEP-0288): the peer's stanzas to us come back on it. The same path, in `verify`
// mode, asks an authoritative server about a dialback key and ends.
import { parseJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import { parserLimits } from '../c2s/hub.js';
import { TcpTransport } from '../c2s/tcp.js';
import { StanzaError } from '../errors.js';
import { STREAM_ERRORS_NS, StreamError } from '../stream-error.js';
import { negotiationTimer } from '../stream-queue.js';
import { type XmlElement, x } from '../xml/element.js';
import { isStreamElement, SERVER_NS, type StreamEvent } from '../xml/parser.js';
import { bidiRequest, offersBidi } from './bidi.js';
import { ConnectError, dial } from './connect.js';
import { DIALBACK_FEATURE_NS, dialback, dialbackAnswer, dialbackKey, isDialback } from './dialback.js';
import { bounce, certificateState, dialbackSecret, passInbound, type S2sHub, s2sHeader, trustBetween } from './hub.js';
import { authenticationFor, bounceCondition, type OutboundFailure, pairKey } from './policy.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** Stanzas held while a stream is being set up, at most. */
export const MAX_QUEUED = 1000;

/** A dialback verification to run instead of carrying stanzas (the receiving server's role). */
export interface VerifyRequest {
  streamId: string;
  key: string;
  done(valid: boolean): void;
}

/** Why a stream did not authenticate, as the federation check words it (`auth-…` or dialback's). */
export type AuthFailure =
  | 'auth-blocked'
  | 'auth-stream-failed'
  | 'auth-timeout'
  | 'dialback-refused'
  | 'dialback-error'
  | 'dialback-timeout'
  | 'no-authentication';

/** How a stream ended its negotiation: authenticated (and how), or why not. */
export type Negotiated = { how: 'SASL EXTERNAL' | 'dialback' } | { code: AuthFailure; reason: string };

type State = 'connecting' | 'tls' | 'authenticating' | 'ready' | 'closed';

export class S2sOutStream {
  private state: State = 'connecting';
  private readonly queue: XmlElement[] = [];
  private transport: TcpTransport | undefined;
  private streamId = '';
  private features: XmlElement | undefined;
  private triedExternal = false;
  /** Our dialback key is out: a timeout now means the peer never verified it. */
  private keySent = false;
  /** How the peer accepted us (SASL EXTERNAL: the restarted stream's features make it ready). */
  private authenticated: 'SASL EXTERNAL' | 'dialback' | undefined;
  /** We asked for bidirectionality (XEP-0288): the peer may send us stanzas here once ready. */
  private bidi = false;
  private idle: NodeJS.Timeout | undefined;
  private readonly negotiation: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    private readonly hub: S2sHub,
    readonly local: string,
    readonly remote: string,
    /** Called once when the stream is over (the manager forgets it). */
    private readonly ended: () => void,
    private readonly verify?: VerifyRequest,
    /** Told once how the negotiation ended (the federation check's probe). */
    private readonly watch?: (outcome: Negotiated) => void,
  ) {
    this.log = hub.log.child({ s2s: 'out', local, remote });
    this.negotiation = negotiationTimer(hub.config.limits.negotiationSeconds, () =>
      this.fail(
        'timeout',
        `no authenticated stream to ${remote} in time`,
        this.keySent ? 'dialback-timeout' : 'auth-timeout',
      ),
    );
    void this.start();
  }

  /** Sends a stanza (from `local` to `remote`), queued until the stream is authenticated. */
  send(stanza: XmlElement): void {
    if (this.state === 'ready') {
      this.transport?.send(stanza);
      this.touch();
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      bounce(
        this.hub,
        stanza,
        new StanzaError(bounceCondition('overflow'), `too many stanzas waiting for ${this.remote}`),
      );
      return;
    }
    this.queue.push(stanza);
  }

  /** Ends the stream (idle, shutdown); what is queued bounces. */
  close(): void {
    if (this.queue.length > 0 || this.verify) this.fail('timeout', 'the stream was closed');
    else this.end();
  }

  private async start(): Promise<void> {
    try {
      const level = await trustBetween(this.hub, this.local, this.remote);
      if (level === 'blocked')
        return this.fail('blocked', `${this.remote} is blocked by ${this.local}`, 'auth-blocked');
      const { socket, target } = await dial(this.remote, this.hub.net);
      if (this.state === 'closed') {
        socket.destroy();
        return;
      }
      const transport = new TcpTransport(socket, {
        limits: parserLimits(this.hub.config),
        rate: this.hub.config.limits,
        now: () => this.hub.core.ctx.clock.now(),
        namespace: SERVER_NS,
        tlsClient: {
          servername: this.remote,
          secureContext: this.hub.certificates.contextFor(this.local, this.hub.net.ca),
          ALPNProtocols: target.directTls ? ['xmpp-server'] : undefined,
          rejectUnauthorized: false,
          checkServerIdentity: () => undefined,
        },
      });
      this.transport = transport;
      transport.listen({
        event: (e) => this.handle(e).catch((err) => this.fail('refused', (err as Error).message)),
        failed: (err) => this.fail('refused', `${this.remote} sent what broke the stream: ${err.message}`),
        closed: () => this.fail('refused', `${this.remote} closed the connection`),
        active: () => undefined,
      });
      if (target.directTls) this.secure();
      else this.header();
    } catch (err) {
      if (err instanceof ConnectError) this.fail(err.failure, err.message);
      else this.fail('refused', (err as Error).message);
    }
  }

  private header(): void {
    this.transport?.header(s2sHeader({ from: this.local, to: this.remote }));
  }

  /** Upgrades to TLS and opens a fresh stream once the handshake is done. */
  private secure(): void {
    const transport = this.transport as TcpTransport;
    transport.startTls();
    transport.tls?.once('secureConnect', () => this.header());
  }

  private async handle(e: StreamEvent): Promise<void> {
    if (this.state === 'closed') return;
    if (e.kind === 'open') {
      this.streamId = e.attrs.id ?? '';
      return;
    }
    if (e.kind === 'close') return this.fail('refused', `${this.remote} closed the stream`);
    const el = e.element;
    if (isStreamElement(el, 'error')) {
      const condition = el.elements().find((c) => c.xmlns === STREAM_ERRORS_NS && c.name !== 'text')?.name;
      const text = el.childText('text', STREAM_ERRORS_NS);
      return this.fail(
        'refused',
        `${this.remote} refused the stream: ${condition ?? 'error'}${text ? ` (${text})` : ''}`,
      );
    }
    if (isStreamElement(el, 'features')) return this.negotiate(el);
    if (el.name === 'proceed' && el.xmlns === TLS_NS) {
      this.transport?.restart();
      return this.secure();
    }
    if (el.xmlns === SASL_NS && el.name === 'success') {
      this.transport?.restart();
      this.authenticated = 'SASL EXTERNAL';
      return this.header();
    }
    if (el.xmlns === SASL_NS && el.name === 'failure') return this.dialback();
    if (isDialback(el)) return this.answered(el);
    // Stanzas come the other way only on a bidirectional stream (XEP-0288), from the pair it authenticated.
    if (!this.bidi || this.state !== 'ready')
      throw new StreamError('unsupported-stanza-type', 'this stream carries stanzas one way');
    this.touch();
    return passInbound(this.hub, el, new Set([pairKey(this.remote, this.local)]));
  }

  private async negotiate(features: XmlElement): Promise<void> {
    const transport = this.transport as TcpTransport;
    this.features = features;
    if (!transport.secure) {
      if (!features.child('starttls', TLS_NS)) {
        return this.fail('refused', `${this.remote} does not offer STARTTLS, which this server requires`);
      }
      this.state = 'tls';
      transport.send(x('starttls', { xmlns: TLS_NS }));
      return;
    }
    if (this.authenticated) return this.ready();
    this.state = 'authenticating';
    if (this.verify) {
      const { streamId, key } = this.verify;
      transport.send(dialback('verify', { from: this.local, to: this.remote, id: streamId }, key));
      return;
    }
    // XEP-0288 §2.2: asked for before authenticating; not on a verification's or a probe's stream.
    if (this.hub.config.s2s.bidi && !this.watch && !this.bidi && offersBidi(features)) {
      this.bidi = true;
      transport.send(bidiRequest());
    }
    const level = await trustBetween(this.hub, this.local, this.remote);
    const way = authenticationFor(level, certificateState(transport.tls, this.remote));
    if (way === 'refused') return this.fail('blocked', `${this.remote} is blocked by ${this.local}`, 'auth-blocked');
    if (way === 'dialback') this.log.info('the peer’s certificate is not valid for it: dialback only');
    const mechanisms =
      features
        .child('mechanisms', SASL_NS)
        ?.elements('mechanism')
        .map((m) => m.text().trim()) ?? [];
    if (mechanisms.includes('EXTERNAL') && !this.triedExternal) {
      this.triedExternal = true;
      transport.send(x('auth', { xmlns: SASL_NS, mechanism: 'EXTERNAL' }, Buffer.from(this.local).toString('base64')));
      return;
    }
    return this.dialback();
  }

  /** XEP-0220 §2.1: our key for this stream, for the remote server to verify with ours. */
  private async dialback(): Promise<void> {
    const offered = Boolean(this.features?.child('dialback', DIALBACK_FEATURE_NS));
    if (!offered)
      return this.fail('refused', `${this.remote} accepted neither our certificate nor dialback`, 'no-authentication');
    const key = dialbackKey(await dialbackSecret(this.hub), this.remote, this.local, this.streamId);
    this.transport?.send(dialback('result', { from: this.local, to: this.remote }, key));
    this.keySent = true;
  }

  private answered(el: XmlElement): void {
    const answer = dialbackAnswer(el);
    if (this.verify && el.name === 'verify') {
      this.verify.done(answer === 'valid' && el.attrs.id === this.verify.streamId);
      this.end();
      return;
    }
    if (el.name !== 'result' || answer === undefined) throw new StreamError('unsupported-stanza-type');
    if (answer === 'valid') {
      this.authenticated = 'dialback';
      this.ready();
    } else if (answer === 'invalid')
      this.fail('refused', `${this.remote} did not accept our dialback key`, 'dialback-refused');
    else {
      const condition = el.child('error')?.elements()[0]?.name ?? 'undefined-condition';
      this.fail('refused', `${this.remote} could not verify our dialback key (${condition})`, 'dialback-error');
    }
  }

  private ready(): void {
    this.state = 'ready';
    clearTimeout(this.negotiation);
    this.log.info({ how: this.authenticated, bidi: this.bidi }, 'XMPP s2s stream authenticated');
    this.watch?.({ how: this.authenticated as 'SASL EXTERNAL' | 'dialback' });
    for (const stanza of this.queue.splice(0)) this.transport?.send(stanza);
    this.touch();
  }

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(), this.hub.config.s2s.idleSeconds * 1000);
    this.idle.unref();
  }

  /** Closes cleanly (nothing is queued once ready). */
  private end(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.negotiation);
    clearTimeout(this.idle);
    this.transport?.end();
    this.ended();
  }

  private fail(failure: OutboundFailure, reason: string, code: AuthFailure = 'auth-stream-failed'): void {
    if (this.state === 'closed') return;
    const queued = this.queue.splice(0);
    this.log.info({ failure, reason, bounced: queued.length }, 'XMPP s2s stream failed');
    this.verify?.done(false);
    if (this.state !== 'ready') this.watch?.({ code, reason });
    this.end();
    const err = new StanzaError(bounceCondition(failure), reason);
    for (const stanza of queued) bounce(this.hub, stanza, err);
  }
}

/** The local domain an outbound stanza is from (its `from`), or undefined when it has none. */
export const localDomainOf = (stanza: XmlElement): string | undefined => parseJid(stanza.attrs.from ?? '')?.domain;
