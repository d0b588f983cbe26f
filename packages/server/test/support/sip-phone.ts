// A minimal SIP phone for tests over UDP or TCP, built on the server's own message parser and
// renderer (the interop suite uses phones nobody here wrote: sipp, baresip, linphone, JsSIP).

import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  headerValues,
  makeRequest,
  parseDatagram,
  renderMessage,
  renderUri,
  respond,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  SipStreamFramer,
  singleHeader,
} from '../../src/adapters/sip/message/index.js';
import { digestAnswer } from '../../src/adapters/sip/trunk/digest.js';

const _md5 = (s: string) => createHash('md5').update(s).digest('hex');
const _sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const token = () => randomBytes(6).toString('hex');

export interface PhoneOptions {
  /** The server's SIP address. */
  server: { host: string; port: number };
  transport?: 'udp' | 'tcp' | 'tls';
  /** The server certificate to trust over TLS. */
  ca?: string;
  /** A client certificate and key (PEM) to present over TLS, as a peer server does. */
  cert?: string;
  key?: string;
  /** The phone's AoR: user@domain. */
  aor: string;
  /** Digest credentials (a device's). */
  username: string;
  password: string;
}

/** A request the phone received, with a way to answer it. */
export interface Incoming {
  request: SipRequest;
  reply(status: number, reason: string, o?: { headers?: SipHeader[]; body?: string; toTag?: string }): SipResponse;
}

/** A dialog the phone is in (as caller or callee). */
export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  remoteTarget: string;
  localUri: string;
  remoteUri: string;
  seq: number;
  /** The proxies the dialog's requests pass (Route), from the Record-Route that set it up (§12.1). */
  routeSet: string[];
}

export const SDP = (port: number, direction = 'sendrecv') =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${direction}\r\n`;

export class SipPhone {
  readonly incoming: Incoming[] = [];
  /** Responses no request of ours waits for any more (a retransmitted 2xx). */
  readonly strays: SipResponse[] = [];
  /**
   * Answers requests as they arrive when it gives a status (a watcher answers every NOTIFY), or a
   * status with an SDP body (a phone in auto-answer mode).
   */
  autoAnswer: ((request: SipRequest) => number | { status: number; sdp: string } | undefined) | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly pending = new Map<string, { provisional: SipResponse[]; done: (r: SipResponse) => void }>();
  private nc = 0;
  /** The last request sent of each method (CANCEL copies the INVITE's). */
  private readonly lastSent = new Map<string, SipRequest>();
  private seq = 1;
  readonly callId = `${token()}@phone`;
  readonly tag = token();
  /** What each REGISTER sent by keepRegistered got: its status (0: no answer) and when. */
  readonly registrations: { at: number; status: number }[] = [];
  private refresh: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly o: PhoneOptions,
    /** Sends to the server, or over UDP to `to` (where a response goes, RFC 3261 §18.2.2). */
    private readonly sendBytes: (b: Buffer, to?: { host: string; port: number }) => void,
    readonly local: { address: string; port: number },
    private readonly closeTransport: () => void,
  ) {}

  static async open(o: PhoneOptions): Promise<SipPhone> {
    if (o.transport === 'tcp' || o.transport === 'tls') {
      const socket: Socket =
        o.transport === 'tls'
          ? tlsConnect({
              host: o.server.host,
              port: o.server.port,
              ca: o.ca,
              cert: o.cert,
              key: o.key,
              servername: 'localhost',
            })
          : connect(o.server.port, o.server.host);
      await new Promise<void>((resolve, reject) =>
        socket.once(o.transport === 'tls' ? 'secureConnect' : 'connect', resolve).once('error', reject),
      );
      const phone = new SipPhone(
        o,
        (b) => socket.write(b),
        { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 },
        () => socket.destroy(),
      );
      const framer = new SipStreamFramer();
      socket.on('data', (chunk: Buffer) => {
        for (const e of framer.push(chunk)) if (e.kind === 'message') phone.receive(e.message);
      });
      return phone;
    }
    const udp: UdpSocket = createSocket('udp4');
    let open = true;
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const phone = new SipPhone(
      o,
      (b, to) => {
        // A late answer after the test closed the phone is dropped.
        if (open) udp.send(b, to?.port ?? o.server.port, to?.host ?? o.server.host);
      },
      { address: '127.0.0.1', port: udp.address().port },
      () => {
        open = false;
        udp.close();
      },
    );
    udp.on('message', (b) => phone.receive(parseDatagram(b)));
    return phone;
  }

  /** What the phone was opened with (to open another one like it). */
  get settings(): PhoneOptions {
    return this.o;
  }

  get domain(): string {
    return this.o.aor.split('@')[1] as string;
  }

  get contact(): string {
    const t = this.o.transport === 'udp' || this.o.transport === undefined ? '' : `;transport=${this.o.transport}`;
    return `<sip:${this.o.aor.split('@')[0]}@${this.local.address}:${this.local.port}${t}>`;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refresh);
    this.closeTransport();
  }

  send(message: SipMessage): void {
    this.sendBytes(renderMessage(message));
  }

  private via(branch: string): SipHeader {
    const t = (this.o.transport ?? 'udp').toUpperCase();
    return { name: 'Via', value: `SIP/2.0/${t} ${this.local.address}:${this.local.port};branch=${branch};rport` };
  }

  private receive(message: SipMessage): void {
    if (message.kind === 'response') {
      const branch = message.via[0]?.branch ?? '';
      const p = this.pending.get(`${branch}|${message.cseq.method}`);
      if (!p) {
        this.strays.push(message);
        this.notify();
        return;
      }
      if (message.status < 200) p.provisional.push(message);
      else p.done(message);
      this.notify();
      return;
    }
    const reply: Incoming['reply'] = (status, reason, r = {}) => {
      const response = respond(message, status, reason, {
        toTag: r.toTag ?? this.tag,
        headers: [{ name: 'Contact', value: this.contact }, ...(r.headers ?? [])],
        body: r.body === undefined ? undefined : Buffer.from(r.body),
      });
      if (message.method === 'ACK') return response;
      // Over UDP a response goes where the top Via says (received and rport when there).
      const via = message.via[0];
      const port = typeof via?.rport === 'number' ? via.rport : via?.port;
      this.sendBytes(renderMessage(response), via && { host: via.received ?? via.host, port: port ?? 5060 });
      return response;
    };
    const auto = this.autoAnswer?.(message);
    if (typeof auto === 'number') reply(auto, auto < 300 ? 'OK' : 'Refused');
    else if (auto)
      reply(auto.status, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: auto.sdp });
    this.incoming.push({ request: message, reply });
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Waits (at most `ms`) until `check` gives a value. */
  async until<T>(check: () => T | undefined, what: string, ms = 10_000): Promise<T> {
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`phone ${this.o.aor}: no ${what} within ${ms} ms`)), ms);
        const w = () => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve();
        };
        this.waiters.add(w);
      });
    }
  }

  /** The next request of `method` received (taken off the list). */
  async next(method: string, ms?: number): Promise<Incoming> {
    return this.until(
      () => {
        const i = this.incoming.findIndex((x) => x.request.method === method);
        return i < 0 ? undefined : this.incoming.splice(i, 1)[0];
      },
      `${method} request`,
      ms,
    );
  }

  /**
   * Sends a request and resolves with its final response; a 401/407 is answered once with the
   * device's credentials (`auth: false` returns the challenge instead).
   */
  async request(
    method: string,
    uri: string,
    headers: SipHeader[],
    o: { body?: string; auth?: boolean; onProvisional?: (r: SipResponse) => void; branch?: string } = {},
  ): Promise<SipResponse> {
    const first = await this.exchange(method, uri, headers, o);
    if (o.auth === false || (first.status !== 401 && first.status !== 407)) return first;
    if (method === 'INVITE') this.send(this.ackFor(uri, headers, first));
    return this.exchange(method, uri, [...headers, this.credentials(method, uri, first)], o);
  }

  private async exchange(
    method: string,
    uri: string,
    headers: SipHeader[],
    o: { body?: string; onProvisional?: (r: SipResponse) => void; branch?: string },
  ): Promise<SipResponse> {
    const branch = o.branch ?? `z9hG4bK${token()}`;
    const seq = this.seq++;
    const cseqed = headers.filter((h) => h.name !== 'CSeq');
    const request = makeRequest(
      method,
      uri,
      [this.via(branch), ...cseqed, { name: 'CSeq', value: `${seq} ${method}` }, { name: 'Max-Forwards', value: '70' }],
      o.body === undefined ? undefined : Buffer.from(o.body),
    );
    const provisional: SipResponse[] = [];
    const done = new Promise<SipResponse>((resolve) =>
      this.pending.set(`${branch}|${method}`, { provisional, done: resolve }),
    );
    this.lastSent.set(method, request);
    const stop = this.transmit(request, provisional);
    const seen = new Set<SipResponse>();
    const watch = () => {
      for (const r of provisional) {
        if (seen.has(r)) continue;
        seen.add(r);
        o.onProvisional?.(r);
      }
    };
    this.waiters.add(watch);
    try {
      return await Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`${method}: no final response; ${this.describe(request, provisional)}`)),
            15_000,
          ).unref(),
        ),
      ]);
    } finally {
      stop();
      this.waiters.delete(watch);
      this.pending.delete(`${branch}|${method}`);
    }
  }

  /**
   * Sends a request of a new client transaction. Over UDP it is sent again, as RFC 3261 §17.1.1.2
   * and §17.1.2.2 say (Timer A and E: after 500 ms, doubling, at most every 4 s), until a response
   * comes: an INVITE's first, a final one otherwise. The caller stops it when the final response
   * is in (or it gives up).
   */
  /** What a request that got no final response went through, for the test's failure. */
  private describe(request: SipRequest, provisional: SipResponse[]): string {
    const authorized = request.headers.some((h) => /^(Proxy-)?Authorization$/i.test(h.name));
    const transport = this.o.transport ?? 'udp';
    const { host, port } = this.o.server;
    const heard = provisional.map((r) => r.status).join(', ') || 'nothing';
    return `${authorized ? 'with' : 'without'} credentials, over ${transport} to ${host}:${port}, heard ${heard}`;
  }

  private transmit(request: SipRequest, provisional: SipResponse[]): () => void {
    this.send(request);
    if (this.o.transport !== undefined && this.o.transport !== 'udp') return () => {};
    let interval = 500;
    let timer: NodeJS.Timeout;
    const again = () => {
      if (this.closed || (request.method === 'INVITE' && provisional.length > 0)) return;
      this.send(request);
      interval = Math.min(interval * 2, 4000);
      timer = setTimeout(again, interval).unref();
    };
    timer = setTimeout(again, interval).unref();
    return () => clearTimeout(timer);
  }

  /** The Authorization or Proxy-Authorization answering a challenge (its first algorithm offered). */
  credentials(method: string, uri: string, challenge: SipResponse): SipHeader {
    const proxy = challenge.status === 407;
    const [first] = headerValues(challenge.headers, proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    const { username, password } = this.o;
    return {
      name: proxy ? 'Proxy-Authorization' : 'Authorization',
      value: digestAnswer(first ?? '', { method, uri, username, password, nc: ++this.nc }),
    };
  }

  private ackFor(uri: string, headers: SipHeader[], response: SipResponse): SipRequest {
    const to = singleHeader(response.headers, 'To') ?? '';
    return makeRequest('ACK', uri, [
      { name: 'Via', value: singleHeader(response.headers, 'Via') ?? '' },
      ...headers.filter((h) => h.name === 'From' || h.name === 'Call-ID'),
      { name: 'To', value: to },
      { name: 'CSeq', value: `${response.cseq.seq} ACK` },
      { name: 'Max-Forwards', value: '70' },
    ]);
  }

  /** Sends a MESSAGE (RFC 3428) to `uri`; a 407 is answered unless `auth` is false. */
  message(uri: string, body: string, o: { contentType?: string; auth?: boolean } = {}): Promise<SipResponse> {
    const headers: SipHeader[] = [
      { name: 'From', value: `<sip:${this.o.aor}>;tag=${this.tag}` },
      { name: 'To', value: `<${uri}>` },
      { name: 'Call-ID', value: this.callId },
      { name: 'Content-Type', value: o.contentType ?? 'text/plain;charset=UTF-8' },
    ];
    return this.request('MESSAGE', uri, headers, { body, auth: o.auth });
  }

  /** The next MESSAGE received, answered 200 as a phone does. */
  async nextMessage(ms?: number): Promise<SipRequest> {
    const received = await this.next('MESSAGE', ms);
    received.reply(200, 'OK');
    return received.request;
  }

  /** REGISTER the phone's contact (expires seconds); resolves with the final response. */
  register(expires = 3600, o: { contact?: string; callId?: string; headers?: SipHeader[] } = {}): Promise<SipResponse> {
    return this.request('REGISTER', `sip:${this.domain}`, [
      { name: 'From', value: `<sip:${this.o.aor}>;tag=${this.tag}` },
      { name: 'To', value: `<sip:${this.o.aor}>` },
      { name: 'Call-ID', value: o.callId ?? this.callId },
      { name: 'Contact', value: o.contact ?? this.contact },
      { name: 'Expires', value: String(expires) },
      ...(o.headers ?? []),
    ]);
  }

  /**
   * Keeps the phone registered as a phone does: registers now, again when half the interval the
   * registrar granted has passed, and after `retryMs` when a REGISTER fails (no answer in 15 s,
   * or an error response). `registrations` records each outcome; close() stops it.
   */
  keepRegistered(expires: number, retryMs = 2000): void {
    const attempt = async () => {
      const response = await this.register(expires).catch(() => undefined);
      this.registrations.push({ at: Date.now(), status: response?.status ?? 0 });
      this.notify();
      if (this.closed) return;
      const granted = response?.status === 200 ? this.grantedSeconds(response, expires) : undefined;
      this.refresh = setTimeout(() => void attempt(), granted === undefined ? retryMs : granted * 500).unref();
    };
    void attempt();
  }

  /** The interval a 200 to REGISTER grants our contact: its `expires` parameter, else the Expires header. */
  private grantedSeconds(response: SipResponse, asked: number): number {
    const ours =
      response.contact === '*'
        ? undefined
        : response.contact?.find((c) => renderUri(c.uri) === this.contact.slice(1, -1));
    const param = ours?.params.get('expires');
    return param ? Number(param) : (response.expires ?? asked);
  }

  /**
   * Calls `target` (user@domain); resolves with the final response and, on 2xx, the dialog (ACK
   * sent, with `answer` as its body; `ack: false`: not sent). `sdp: ''` sends no offer (a late offer).
   */
  async invite(
    target: string,
    o: {
      onProvisional?: (r: SipResponse) => void;
      branch?: string;
      sdp?: string;
      answer?: string;
      ack?: boolean;
    } = {},
  ): Promise<{ response: SipResponse; dialog?: Dialog; headers: SipHeader[] }> {
    const uri = `sip:${target}`;
    const callId = `${token()}@phone`;
    const tag = token();
    const headers: SipHeader[] = [
      { name: 'From', value: `<sip:${this.o.aor}>;tag=${tag}` },
      { name: 'To', value: `<${uri}>` },
      { name: 'Call-ID', value: callId },
      { name: 'Contact', value: this.contact },
      ...(o.sdp === '' ? [] : [{ name: 'Content-Type', value: 'application/sdp' }]),
    ];
    const body = o.sdp === '' ? undefined : (o.sdp ?? SDP(40000));
    const response = await this.request('INVITE', uri, headers, { ...o, body });
    if (response.status >= 300) return { response, headers };
    const contact = response.contact === '*' ? undefined : response.contact?.[0];
    const dialog: Dialog = {
      callId,
      localTag: tag,
      remoteTag: response.to.params.get('tag') ?? '',
      remoteTarget: contact ? renderUri(contact.uri) : uri,
      localUri: `<sip:${this.o.aor}>`,
      remoteUri: `<${uri}>`,
      seq: response.cseq.seq,
      routeSet: headerValues(response.headers, 'Record-Route').reverse(),
    };
    if (o.ack !== false) this.send(this.inDialog(dialog, 'ACK', dialog.seq, o.answer));
    return { response, dialog, headers };
  }

  /** Cancels the last INVITE sent (RFC 3261 §9.1: its Via, From, To, Call-ID and CSeq number); resolves with the CANCEL's response. */
  async cancelInvite(): Promise<SipResponse> {
    const invite = this.lastSent.get('INVITE');
    if (!invite) throw new Error('no INVITE to cancel');
    const copy = (name: string) => invite.headers.filter((h) => h.name === name).slice(0, 1);
    const cancel = makeRequest('CANCEL', invite.uri, [
      ...copy('Via'),
      ...copy('From'),
      ...copy('To'),
      ...copy('Call-ID'),
      { name: 'CSeq', value: `${invite.cseq.seq} CANCEL` },
      { name: 'Max-Forwards', value: '70' },
    ]);
    const key = `${invite.via[0]?.branch ?? ''}|CANCEL`;
    const done = new Promise<SipResponse>((resolve) => this.pending.set(key, { provisional: [], done: resolve }));
    this.send(cancel);
    try {
      return await done;
    } finally {
      this.pending.delete(key);
    }
  }

  /** A request of ours inside `dialog` (a new CSeq unless given). */
  inDialog(dialog: Dialog, method: string, seq?: number, body?: string, extra: SipHeader[] = []): SipRequest {
    const cseq = seq ?? ++dialog.seq;
    const headers: SipHeader[] = [
      this.via(`z9hG4bK${token()}`),
      { name: 'From', value: `${dialog.localUri};tag=${dialog.localTag}` },
      { name: 'To', value: `${dialog.remoteUri};tag=${dialog.remoteTag}` },
      { name: 'Call-ID', value: dialog.callId },
      { name: 'CSeq', value: `${cseq} ${method}` },
      { name: 'Max-Forwards', value: '70' },
      ...dialog.routeSet.map((value) => ({ name: 'Route', value })),
      { name: 'Contact', value: this.contact },
      ...(body ? [{ name: 'Content-Type', value: 'application/sdp' }] : []),
      ...extra,
    ];
    return makeRequest(method, dialog.remoteTarget, headers, body === undefined ? undefined : Buffer.from(body));
  }

  /**
   * Sends an in-dialog request and resolves with its final response (rejects after 15 s without
   * one). A 2xx to an INVITE is ACKed, with `answer` as the ACK's body (`ack: false`: not ACKed).
   * `headers` go with the request (REFER's Refer-To).
   */
  async sendInDialog(
    dialog: Dialog,
    method: string,
    body?: string,
    o: { answer?: string; ack?: boolean; headers?: SipHeader[] } = {},
  ): Promise<SipResponse> {
    const request = this.inDialog(dialog, method, undefined, body, o.headers);
    const branch = request.via[0]?.branch ?? '';
    const provisional: SipResponse[] = [];
    const done = new Promise<SipResponse>((resolve) =>
      this.pending.set(`${branch}|${method}`, { provisional, done: resolve }),
    );
    const stop = this.transmit(request, provisional);
    const response = await Promise.race([
      done,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${method}: no final response; ${this.describe(request, provisional)}`)),
          15_000,
        ).unref(),
      ),
    ]).finally(() => {
      stop();
      this.pending.delete(`${branch}|${method}`);
    });
    if (method === 'INVITE' && response.status < 300 && o.ack !== false)
      this.send(this.inDialog(dialog, 'ACK', response.cseq.seq, o.answer));
    return response;
  }

  /** The dialog of an INVITE this phone answered with `toTag`. */
  static dialogOf(invite: SipRequest, toTag: string): Dialog {
    const contact = invite.contact === '*' ? undefined : invite.contact?.[0];
    return {
      callId: invite.callId,
      localTag: toTag,
      remoteTag: invite.from.params.get('tag') ?? '',
      remoteTarget: contact ? renderUri(contact.uri) : '',
      localUri: (singleHeader(invite.headers, 'To') ?? '').replace(/;tag=.*$/, ''),
      remoteUri: (singleHeader(invite.headers, 'From') ?? '').replace(/;tag=.*$/, ''),
      seq: 1000,
      routeSet: headerValues(invite.headers, 'Record-Route'),
    };
  }
}

/** Waits (at most `ms`) until `check` gives a value, polling the server's state. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a test needs of a running server to give a user a phone: its core, users and SIP listener. */
interface PhoneServer {
  core: {
    devices: {
      create(t: string, u: string, i: { name: string }): Promise<{ device: { username: string }; password: string }>;
    };
  };
  listeners: { name: string; host: string; port: number }[];
  user(address: string): Promise<{ userId: string; tenantId: string }>;
}

/** A user (created if new) with a new SIP device, as a phone on the server's SIP port (not registered yet). */
export async function phoneFor(
  server: PhoneServer,
  address: string,
  transport: 'udp' | 'tcp' | 'tls' = 'udp',
  user?: { userId: string; tenantId: string },
  ca?: string,
): Promise<SipPhone & { userId: string; tenantId: string }> {
  const u = user ?? (await server.user(address));
  const { device, password } = await server.core.devices.create(u.tenantId, u.userId, { name: 'test phone' });
  const listener = server.listeners.find((l) => l.name === `sip-${transport}`);
  if (!listener) throw new Error(`no sip-${transport} listener`);
  const phone = await SipPhone.open({
    server: { host: listener.host, port: listener.port },
    transport,
    aor: address,
    username: device.username,
    password,
    ca,
  });
  return Object.assign(phone, { userId: u.userId, tenantId: u.tenantId });
}
