// A small SIP user agent over UDP for tests: REGISTER and MESSAGE with digest (MD5, qop=auth),
// and MESSAGEs received are answered 200 and queued.

import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import {
  headerValues,
  makeRequest,
  parseDatagram,
  renderMessage,
  respond,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../src/adapters/sip/message/index.js';
import { digestAnswer } from './sip-digest.js';

export interface SipAccount {
  /** The address of record's user part and domain (the digest realm). */
  user: string;
  domain: string;
  /** The device's digest user name and secret. */
  username: string;
  password: string;
}

const _md5 = (text: string) => createHash('md5').update(text).digest('hex');
const token = () => randomBytes(6).toString('hex');

/** Credentials for a digest challenge (RFC 3261 §22.4). */
export function digestCredentials(challenge: string, account: SipAccount, method: string, uri: string): string {
  return digestAnswer(challenge, { method, uri, username: account.username, password: account.password });
}

export class SipImClient {
  /** MESSAGEs received (and answered 200), oldest first, until taken by `nextMessage`. */
  private readonly inbox: SipRequest[] = [];
  private readonly waitingForMessage: ((request: SipRequest) => void)[] = [];
  /** Call-ID and CSeq of each MESSAGE received: a retransmission is the same message. */
  private readonly seen = new Set<string>();
  private readonly pending = new Map<string, (response: SipResponse) => void>();
  private seq = 1;
  private readonly callId = `${token()}@sip-im-client`;
  private readonly fromTag = token();

  private constructor(
    private readonly socket: Socket,
    private readonly server: { address: string; port: number },
    readonly account: SipAccount,
  ) {
    socket.on('message', (bytes) => this.receive(parseDatagram(bytes)));
  }

  static async open(server: { address: string; port: number }, account: SipAccount): Promise<SipImClient> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new SipImClient(socket, server, account);
  }

  get aor(): string {
    return `sip:${this.account.user}@${this.account.domain}`;
  }

  /** The UDP port this device sends from and is reached at. */
  get port(): number {
    return this.socket.address().port;
  }

  private get local(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): void {
    this.socket.close();
  }

  async register(): Promise<SipResponse> {
    return this.authenticated('REGISTER', `sip:${this.account.domain}`, this.aor, [
      { name: 'Contact', value: `<sip:${this.account.user}@${this.local}>` },
      { name: 'Expires', value: '600' },
    ]);
  }

  /** Sends a MESSAGE to `target` (answering a 407 unless `authenticate` is false); resolves with the final response. */
  async message(
    target: string,
    body: string | Buffer,
    options: { contentType?: string; authenticate?: boolean } = {},
  ): Promise<SipResponse> {
    const headers = [{ name: 'Content-Type', value: options.contentType ?? 'text/plain;charset=UTF-8' }];
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (options.authenticate === false) return this.send('MESSAGE', target, target, headers, bytes);
    return this.authenticated('MESSAGE', target, target, headers, bytes);
  }

  /** The next MESSAGE this device receives. */
  nextMessage(timeoutMs = 10_000): Promise<SipRequest> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MESSAGE for ${this.aor} in ${timeoutMs} ms`)), timeoutMs);
      this.waitingForMessage.push((request) => {
        clearTimeout(timer);
        resolve(request);
      });
    });
  }

  /** A request; a 401 or 407 is answered once with credentials. */
  private async authenticated(
    method: string,
    uri: string,
    to: string,
    headers: SipHeader[],
    body?: Buffer,
  ): Promise<SipResponse> {
    const first = await this.send(method, uri, to, headers, body);
    if (first.status !== 401 && first.status !== 407) return first;
    const [challenge] = headerValues(first.headers, first.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
    if (!challenge) throw new Error(`${first.status} without a challenge`);
    const name = first.status === 401 ? 'Authorization' : 'Proxy-Authorization';
    const credentials = { name, value: digestCredentials(challenge, this.account, method, uri) };
    return this.send(method, uri, to, [...headers, credentials], body);
  }

  private send(method: string, uri: string, to: string, headers: SipHeader[], body?: Buffer): Promise<SipResponse> {
    const seq = this.seq++;
    const request = makeRequest(
      method,
      uri,
      [
        { name: 'Via', value: `SIP/2.0/UDP ${this.local};branch=z9hG4bK${token()};rport` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.aor}>;tag=${this.fromTag}` },
        { name: 'To', value: `<${to}>` },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${seq} ${method}` },
        ...headers,
      ],
      body,
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(`${seq} ${method}`);
        reject(new Error(`no final response to ${method} ${uri}`));
      }, 10_000);
      this.pending.set(`${seq} ${method}`, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.socket.send(renderMessage(request), this.server.port, this.server.address);
    });
  }

  private receive(message: ReturnType<typeof parseDatagram>): void {
    if (message.kind === 'response') {
      if (message.status < 200 || message.callId !== this.callId) return;
      const key = `${message.cseq.seq} ${message.cseq.method}`;
      this.pending.get(key)?.(message);
      this.pending.delete(key);
      return;
    }
    const status = message.method === 'MESSAGE' ? 200 : 405;
    const answer = respond(message, status, status === 200 ? 'OK' : 'Method Not Allowed', { toTag: token() });
    this.socket.send(renderMessage(answer), this.server.port, this.server.address);
    if (message.method !== 'MESSAGE') return;
    const key = `${message.callId} ${message.cseq.seq}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const waiting = this.waitingForMessage.shift();
    if (waiting) waiting(message);
    else this.inbox.push(message);
  }
}
