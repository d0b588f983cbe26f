// One external component's stream (XEP-0114, "Jabber Component Protocol"): the component opens a
// stream in `jabber:component:accept` to its domain, proves the shared secret with
// `<handshake>` = hex SHA-1 of the stream id and the secret, and then exchanges stanzas. Its
// stanzas must come from its own domain (any local part and resource); a wrong handshake is
// `not-authorized` and counts on the login throttle as a wrong password would.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Jid, parseJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import { randomId } from '../c2s/hub.js';
import type { TcpTransport } from '../c2s/tcp.js';
import { StreamError, streamErrorElement } from '../stream-error.js';
import { listenInOrder, negotiationTimer } from '../stream-queue.js';
import { type XmlElement, x } from '../xml/element.js';
import { isStreamElement, type StreamEvent } from '../xml/parser.js';

export const COMPONENT_NS = 'jabber:component:accept';

const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

/** The handshake a component sends for `streamId` and `secret` (XEP-0114 §2): lower-case hex SHA-1. */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash('sha1').update(`${streamId}${secret}`, 'utf8').digest('hex');
}

/** Whether `given` is the handshake for `streamId` and `secret` (hex in either case), in constant time. */
export function handshakeValid(given: string, streamId: string, secret: string): boolean {
  const want = Buffer.from(handshakeDigest(streamId, secret), 'latin1');
  const got = Buffer.from(given.trim().toLowerCase(), 'latin1');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** What a component stream needs of the adapter. */
export interface ComponentLink {
  log: Logger;
  negotiationSeconds: number;
  maxQueuedStanzas: number;
  /** The configured secret of a component domain served here, or undefined. */
  secretOf(domain: string): Promise<string | undefined>;
  /**
   * Checks the handshake under the login throttle (the component's domain as the account);
   * resolves whether it was right, rejects when the address is throttled.
   */
  check(domain: string, address: string, valid: () => boolean): Promise<boolean>;
  /**
   * The stream is authenticated for `domain`: false when another stream of it is connected (to
   * this node or another of the cluster).
   */
  attach(domain: string, stream: ComponentStream): Promise<boolean>;
  /** The stream is over: resolves once its domain is free again in the cluster. */
  detach(domain: string, stream: ComponentStream): Promise<void>;
  /** A stanza from the component (its `from` checked), to wherever its `to` lives. */
  inbound(stanza: XmlElement, from: Jid, to: Jid): Promise<void>;
}

type State = 'header' | 'handshake' | 'open' | 'closed';

export class ComponentStream {
  private state: State = 'header';
  private headerSent = false;
  /** The stream id: unique per connection. */
  readonly id = randomId();
  private domain = '';
  /** The domain's secret from the header until the handshake is checked. */
  private secret = '';
  private readonly negotiation: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    private readonly link: ComponentLink,
    private readonly transport: TcpTransport,
  ) {
    this.log = link.log.child({ component: 'in', address: transport.address });
    this.negotiation = negotiationTimer(link.negotiationSeconds, () =>
      this.fail(new StreamError('connection-timeout', 'no handshake in time')),
    );
    listenInOrder(transport, {
      max: link.maxQueuedStanzas,
      handle: (e) => this.handle(e),
      fail: (err) => this.fail(err),
      closed: () => this.state === 'closed',
      log: this.log,
      lost: () => this.close(),
      active: () => undefined,
    });
  }

  /** A stanza to the component. */
  send(stanza: XmlElement): void {
    if (this.state === 'open') this.transport.send(stanza);
  }

  /** Ends the stream with a stream error (after a header when none was sent yet). */
  fail(err: StreamError): void {
    if (this.state === 'closed') return;
    this.log.info(
      { condition: err.condition, reason: err.text, domain: this.domain || undefined },
      'XMPP component stream error',
    );
    if (!this.headerSent) this.header();
    this.transport.send(streamErrorElement(err));
    this.close();
  }

  private async handle(e: StreamEvent): Promise<void> {
    if (e.kind === 'open') return this.open(e.attrs);
    if (e.kind === 'close') return this.close();
    const el = e.element;
    if (isStreamElement(el, 'error')) {
      this.log.info({ domain: this.domain, error: el.toString().slice(0, 300) }, 'XMPP component ended the stream');
      return this.close();
    }
    if (this.state === 'handshake') return this.handshake(el);
    if (!STANZA_NAMES.has(el.name) || el.xmlns !== undefined) throw new StreamError('unsupported-stanza-type');
    const from = parseJid(el.attrs.from ?? '');
    if (!from || from.domain !== this.domain) {
      throw new StreamError('invalid-from', `a stanza from ${this.domain} comes from its domain`);
    }
    const to = parseJid(el.attrs.to ?? '');
    if (!to) throw new StreamError('improper-addressing', 'a stanza of a component names its addressee in to');
    await this.link.inbound(el, from, to);
  }

  private header(): void {
    this.headerSent = true;
    this.transport.header(this.domain ? { from: this.domain, id: this.id } : { id: this.id });
  }

  private async open(attrs: Record<string, string>): Promise<void> {
    if (this.state !== 'header') throw new StreamError('invalid-xml', 'a component stream opens once');
    const domain = (attrs.to ?? '').toLowerCase();
    const secret = domain === '' ? undefined : await this.link.secretOf(domain);
    if (secret === undefined) throw new StreamError('host-unknown', `${attrs.to ?? 'no domain'} is no component here`);
    this.domain = domain;
    this.secret = secret;
    this.header();
    this.state = 'handshake';
  }

  private async handshake(el: XmlElement): Promise<void> {
    if (el.name !== 'handshake' || el.xmlns !== undefined) throw new StreamError('not-authorized', 'handshake first');
    const given = el.text();
    const ok = await this.link
      .check(this.domain, this.transport.address, () => handshakeValid(given, this.id, this.secret))
      .catch(() => {
        throw new StreamError('policy-violation', 'too many failed handshakes from this address; try again later');
      });
    this.secret = '';
    if (!ok) throw new StreamError('not-authorized', 'the handshake does not match the secret');
    if (!(await this.link.attach(this.domain, this))) {
      throw new StreamError('conflict', `${this.domain} is connected already`);
    }
    // Closed meanwhile (the socket, the negotiation's time): its claim goes again.
    if (this.state === 'closed') {
      await this.link.detach(this.domain, this);
      return;
    }
    clearTimeout(this.negotiation);
    this.state = 'open';
    this.transport.send(x('handshake'));
    this.log.info({ domain: this.domain }, 'XMPP component connected');
  }

  private close(): void {
    if (this.state === 'closed') return;
    const was = this.state;
    this.state = 'closed';
    clearTimeout(this.negotiation);
    if (was !== 'open') {
      this.transport.end();
      return;
    }
    this.log.info({ domain: this.domain }, 'XMPP component disconnected');
    // The stream ends once the domain is free (the component may connect again, to any node).
    void this.link.detach(this.domain, this).finally(() => this.transport.end());
  }
}
