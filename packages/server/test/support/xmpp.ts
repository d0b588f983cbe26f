// A raw XMPP client for tests: writes what it is told and reads what the server says, to check
// the server's answers to well-formed and to bad input alike (a real client refuses to send the latter).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { scramClient } from './scram.js';

const BOUND_MS = 10_000;

export const streamHeader = (domain: string) =>
  `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;

export class RawXmpp {
  /** Everything the server sent that no `expect` has consumed yet. */
  buffer = '';
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  static async open(port: number, options: { tls?: boolean } = {}): Promise<RawXmpp> {
    const socket = options.tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'a.test' })
      : connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    return new RawXmpp(socket);
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until the server has sent something matching `pattern`; consumes up to it and returns the match. */
  async expect(pattern: RegExp | string, ms = BOUND_MS): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.buffer.match(re);
      if (m) {
        this.buffer = this.buffer.slice((m.index ?? 0) + m[0].length);
        return m;
      }
      if (this.closed) throw new Error(`connection closed before ${re}; got: ${this.buffer}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${re} in time; got: ${this.buffer}`);
      await this.wait(left);
    }
  }

  /** Waits for the server to close the connection. */
  async ended(ms = BOUND_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the server did not close the connection');
      await this.wait(left);
    }
  }

  async startTls(domain: string): Promise<void> {
    this.send(streamHeader(domain));
    await this.expect('<starttls');
    this.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await this.expect('<proceed');
    await this.upgrade(domain);
  }

  /** Starts TLS on the connection (after the server's `<proceed/>`); `tls` adds e.g. a client certificate. */
  async upgrade(domain: string, tls: ConnectionOptions = {}): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false, servername: domain, ...tls });
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
  }

  /** SCRAM (SHA-256 by default), on a fresh stream unless `restart` is false; returns the server's final answer. */
  async scram(
    domain: string,
    user: string,
    password: string,
    hash: 'sha1' | 'sha256' = 'sha256',
    restart = true,
    /** A -PLUS mechanism bound to this channel binding type. */
    plus?: ChannelBindingType,
  ): Promise<string> {
    if (restart) {
      this.send(streamHeader(domain));
      await this.expect('</stream:features>');
    }
    const binding = plus ? channelBinding(this.socket as TLSSocket, plus) : undefined;
    const client = scramClient(hash, user, password, binding ? { gs2Header: `p=${plus},,`, bindingData: binding } : {});
    const mechanism = `${hash === 'sha1' ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256'}${plus ? '-PLUS' : ''}`;
    this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='${mechanism}'>${b64(client.first)}</auth>`);
    const [, challenge = ''] = await this.expect(/<challenge[^>]*>([^<]*)<\/challenge>/);
    const final = client.final(Buffer.from(challenge, 'base64').toString());
    this.send(`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${b64(final)}</response>`);
    const [answer] = await this.expect(/<success[^>]*>[^<]*<\/success>|<failure[\s\S]*?<\/failure>/);
    return answer;
  }

  /** STARTTLS, SCRAM-SHA-256 and a bind; returns the bound JID. */
  async login(user: string, password: string, resource = 'raw'): Promise<string> {
    const domain = user.split('@')[1] as string;
    await this.startTls(domain);
    const answer = await this.scram(domain, user.split('@')[0] as string, password);
    if (!answer.startsWith('<success')) throw new Error(`login failed: ${answer}`);
    this.send(streamHeader(domain));
    await this.expect('</stream:features>');
    this.send(
      `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`,
    );
    const [, jid = ''] = await this.expect(/<jid>([^<]+)<\/jid>/);
    return jid;
  }

  close(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * The client's view of the TLS channel's binding data (RFC 9266; RFC 5929 with SHA-256; tls-unique
 * as OpenSSL clients take it: the client's own Finished of a full handshake).
 */
function channelBinding(socket: TLSSocket, type: ChannelBindingType): Buffer {
  if (type === 'tls-exporter') return socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
  if (type === 'tls-unique') return socket.getFinished() as Buffer;
  return createHash('sha256').update(socket.getPeerCertificate().raw).digest();
}

export type ChannelBindingType = 'tls-exporter' | 'tls-server-end-point' | 'tls-unique';

export const b64 = (s: string) => Buffer.from(s).toString('base64');
