// A minimal SIP user agent over UDP for SIMPLE tests: REGISTER, SUBSCRIBE and PUBLISH with MD5
// digest (answering 401/407 once per request), NOTIFYs received and answered (200 unless told).

import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import {
  makeRequest,
  parseAuth,
  parseDatagram,
  renderMessage,
  renderUri,
  respond,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  singleHeader,
} from '../../src/adapters/sip/message/index.js';
import { digestAnswer } from './sip-digest.js';

const _md5 = (s: string) => createHash('md5').update(s).digest('hex');
const token = () => randomBytes(6).toString('hex');

export interface WatcherAccount {
  /** The AoR's user part and domain (`alice`, `example.test`). */
  user: string;
  domain: string;
  /** The device's digest user name and secret. */
  username: string;
  password: string;
}

/** A subscription's dialog as the subscriber keeps it. */
export interface SubscriberDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  uri: string;
  event: string;
  seq: number;
}

const WAIT_MS = 10_000;

export class SipWatcher {
  /** Every NOTIFY received, in order (retransmissions once). */
  readonly notifies: SipRequest[] = [];
  /** The status to answer the next NOTIFYs with. */
  notifyStatus = 200;
  private readonly waiting = new Map<string, (r: SipResponse) => void>();
  private readonly listeners = new Set<() => void>();
  private readonly aor: string;

  private constructor(
    private readonly socket: Socket,
    private readonly server: { host: string; port: number },
    private readonly account: WatcherAccount,
  ) {
    this.aor = `sip:${account.user}@${account.domain}`;
    socket.on('message', (bytes) => this.received(bytes));
  }

  static async open(server: { host: string; port: number }, account: WatcherAccount): Promise<SipWatcher> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new SipWatcher(socket, server, account);
  }

  close(): void {
    this.socket.close();
  }

  private get contact(): string {
    return `<sip:${this.account.user}@127.0.0.1:${this.socket.address().port}>`;
  }

  private received(bytes: Buffer): void {
    const message = parseDatagram(bytes);
    if (message.kind === 'response') {
      if (message.status < 200) return;
      const key = `${message.callId} ${message.cseq.seq} ${message.cseq.method}`;
      this.waiting.get(key)?.(message);
      this.waiting.delete(key);
      return;
    }
    const answer = message.method === 'NOTIFY' ? this.notifyStatus : 405;
    this.send(respond(message, answer, answer === 200 ? 'OK' : 'Refused', { toTag: token() }));
    const seen = this.notifies.some((n) => n.callId === message.callId && n.cseq.seq === message.cseq.seq);
    if (message.method === 'NOTIFY' && !seen) {
      this.notifies.push(message);
      for (const l of this.listeners) l();
    }
  }

  private send(message: SipRequest | SipResponse): void {
    this.socket.send(renderMessage(message), this.server.port, this.server.host);
  }

  /**
   * Sends a request and returns its final response; a 401/407 challenge is answered once with
   * the device's digest (a new CSeq). `dialog` puts it in a subscription's dialog.
   */
  async request(
    method: string,
    uri: string,
    o: { headers?: SipHeader[]; body?: string; dialog?: SubscriberDialog; to?: string } = {},
  ): Promise<SipResponse> {
    const callId = o.dialog?.callId ?? `${token()}@watcher`;
    const fromTag = o.dialog?.localTag ?? token();
    let seq = o.dialog ? ++o.dialog.seq : 1;
    let auth: SipHeader[] = [];
    for (let attempt = 0; ; attempt++) {
      const to = o.dialog ? `<${o.to ?? uri}>;tag=${o.dialog.remoteTag}` : `<${o.to ?? uri}>`;
      const request = makeRequest(
        method,
        o.dialog?.uri ?? uri,
        [
          { name: 'Via', value: `SIP/2.0/UDP 127.0.0.1:${this.socket.address().port};branch=z9hG4bK${token()};rport` },
          { name: 'Max-Forwards', value: '70' },
          { name: 'From', value: `<${this.aor}>;tag=${fromTag}` },
          { name: 'To', value: to },
          { name: 'Call-ID', value: callId },
          { name: 'CSeq', value: `${seq} ${method}` },
          { name: 'Contact', value: this.contact },
          ...auth,
          ...(o.headers ?? []),
        ],
        o.body === undefined ? undefined : Buffer.from(o.body, 'utf8'),
      );
      const response = await this.exchange(request);
      if ((response.status !== 401 && response.status !== 407) || attempt > 0) return response;
      auth = [digestAuthorization(response, method, o.dialog?.uri ?? uri, this.account)];
      seq += 1;
      if (o.dialog) o.dialog.seq = seq;
    }
  }

  private exchange(request: SipRequest): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const key = `${request.callId} ${request.cseq.seq} ${request.cseq.method}`;
      const timer = setTimeout(() => reject(new Error(`no answer to ${request.method}`)), WAIT_MS);
      this.waiting.set(key, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.send(request);
    });
  }

  register(expires = 600): Promise<SipResponse> {
    return this.request('REGISTER', `sip:${this.account.domain}`, {
      to: this.aor,
      headers: [{ name: 'Expires', value: `${expires}` }],
    });
  }

  /** SUBSCRIBE to `uri` for `event`; on 2xx, the dialog it created. */
  async subscribe(
    uri: string,
    event: string,
    o: { expires?: number; accept?: string } = {},
  ): Promise<{ response: SipResponse; dialog?: SubscriberDialog }> {
    const headers: SipHeader[] = [
      { name: 'Event', value: event },
      { name: 'Expires', value: `${o.expires ?? 600}` },
      ...(o.accept ? [{ name: 'Accept', value: o.accept }] : []),
    ];
    const response = await this.request('SUBSCRIBE', uri, { headers });
    if (response.status >= 300) return { response };
    const contact = response.contact === '*' ? undefined : response.contact?.[0];
    const dialog: SubscriberDialog = {
      callId: response.callId,
      localTag: response.from.params.get('tag') ?? '',
      remoteTag: response.to.params.get('tag') ?? '',
      uri: contact ? renderUri(contact.uri) : uri,
      event,
      seq: response.cseq.seq,
    };
    return { response, dialog };
  }

  /** A SUBSCRIBE in the dialog: a refresh, or with 0 the end. */
  resubscribe(dialog: SubscriberDialog, expires: number, to: string): Promise<SipResponse> {
    return this.request('SUBSCRIBE', dialog.uri, {
      dialog,
      to,
      headers: [
        { name: 'Event', value: dialog.event },
        { name: 'Expires', value: `${expires}` },
      ],
    });
  }

  publish(
    body: string | undefined,
    o: { expires?: number; ifMatch?: string; uri?: string } = {},
  ): Promise<SipResponse> {
    return this.request('PUBLISH', o.uri ?? this.aor, {
      body,
      headers: [
        { name: 'Event', value: 'presence' },
        { name: 'Expires', value: `${o.expires ?? 600}` },
        ...(body === undefined ? [] : [{ name: 'Content-Type', value: 'application/pidf+xml' }]),
        ...(o.ifMatch ? [{ name: 'SIP-If-Match', value: o.ifMatch }] : []),
      ],
    });
  }

  /** Waits for a NOTIFY after the first `after` ones (of `dialog` if given) that `accept` accepts. */
  async nextNotify(
    accept: (n: SipRequest) => boolean = () => true,
    o: { after?: number; dialog?: SubscriberDialog } = {},
  ): Promise<SipRequest> {
    const match = () =>
      this.notifies.slice(o.after ?? 0).find((n) => (!o.dialog || n.callId === o.dialog.callId) && accept(n));
    const found = match();
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('no such NOTIFY'));
      }, WAIT_MS);
      const check = () => {
        const n = match();
        if (!n) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(n);
      };
      this.listeners.add(check);
    });
  }
}

/** What a NOTIFY says: its Subscription-State, Event and body. */
export const notifyParts = (n: SipRequest) => ({
  state: singleHeader(n.headers, 'Subscription-State') ?? '',
  event: singleHeader(n.headers, 'Event') ?? '',
  contentType: n.contentType ?? '',
  body: n.body.toString('utf8'),
});

/** The Authorization (or Proxy-Authorization) answering a 401/407 challenge with MD5, qop=auth. */
export function digestAuthorization(
  challenge: SipResponse,
  method: string,
  uri: string,
  account: { username: string; password: string },
): SipHeader {
  const proxy = challenge.status === 407;
  const value = challenge.headers
    .filter((h) => h.name === (proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'))
    .map((h) => h.value)
    .find((v) => (parseAuth(v).params.get('algorithm') ?? 'MD5').toUpperCase() === 'MD5');
  if (!value) throw new Error('no MD5 challenge');
  return {
    name: proxy ? 'Proxy-Authorization' : 'Authorization',
    value: digestAnswer(value, { method, uri, ...account }),
  };
}
