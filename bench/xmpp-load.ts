// The load generator's XMPP client for bench/xmpp.ts: raw TCP, STARTTLS, SASL SCRAM (RFC 5802,
// test/support/scram.ts), resource binding — the least state a client needs, with no XML parser:
// each step waits for the one element the RFC says comes next, and once online the caller scans
// the incoming text for its markers (`<body>k123</body>`). Fast enough that one core of it keeps
// a server on the other core busy.
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { scramClient } from '../packages/server/test/support/scram.js';

export interface LoginOptions {
  host: string;
  port: number;
  domain: string;
  user: string;
  password: string;
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  resource: string;
  mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
  /** SaltedPassword cache shared by every login with this password. */
  saltedCache: Map<string, Buffer>;
  /** Send the initial `<presence/>` once bound. */
  presence: boolean;
  timeoutMs?: number;
}

export interface Session {
  /** connect → bound (and the presence written), ms. */
  loginMs: number;
  fullJid: string;
  /** What TLS was negotiated (like with like across servers): version, cipher, key exchange group, certificate key. */
  tls: string;
  send(xml: string): void;
  /**
   * Calls `fn` for every match of the global regex `re` in the text received from now on (a
   * match split across reads is still found once).
   */
  scan(re: RegExp, fn: (m: RegExpExecArray) => void): void;
  close(): void;
}

const header = (domain: string) =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();

/** Characters every session of this generator has received so far (a step waits until they stop coming). */
export const traffic = { received: 0 };

export async function login(o: LoginOptions): Promise<Session> {
  const t0 = performance.now();
  const raw = tcpConnect({ host: o.host, port: o.port });
  raw.setNoDelay(true);
  let socket: Socket = raw;
  let buf = '';
  let waiting: { re: RegExp; resolve: (m: RegExpExecArray) => void } | undefined;
  let failed: Error | undefined;
  let online: ((text: string) => void) | undefined;
  let reject: (err: Error) => void = () => undefined;
  const check = () => {
    if (!waiting) return;
    const m = waiting.re.exec(buf);
    if (!m) return;
    buf = buf.slice(m.index + m[0].length);
    const w = waiting;
    waiting = undefined;
    w.resolve(m);
  };
  const onData = (chunk: string) => {
    traffic.received += chunk.length;
    if (online) return online(chunk);
    buf += chunk;
    if (/<stream:error|<failure /.test(buf) && !waiting?.re.source.includes('failure')) {
      fail(new Error(`${o.user}: ${buf.slice(0, 300)}`));
    }
    check();
  };
  const fail = (err: Error) => {
    failed ??= err;
    reject(failed);
  };
  const timer = setTimeout(
    () => fail(new Error(`${o.user}: login timed out; got ${buf.slice(0, 300)}`)),
    o.timeoutMs ?? 30_000,
  );
  const expect = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, rej) => {
      reject = rej;
      if (failed) return rej(failed);
      waiting = { re, resolve };
      check();
    });
  const listen = (s: Socket) => {
    s.setEncoding('utf8');
    s.on('data', onData);
    s.on('error', (err) => fail(err));
    s.on('close', () => fail(new Error(`${o.user}: connection closed; got ${buf.slice(0, 300)}`)));
  };
  try {
    listen(raw);
    await new Promise<void>((resolve, rej) => {
      reject = rej;
      raw.once('connect', resolve);
    });
    raw.write(header(o.domain));
    await expect(/<\/stream:features>/);
    raw.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
    await expect(/<proceed[^>]*\/>/);
    raw.removeAllListeners('data').removeAllListeners('close').removeAllListeners('error');
    buf = '';
    const tls = tlsConnect({ socket: raw, servername: o.domain, ca: o.ca });
    socket = tls;
    let tickets = 0;
    tls.on('session', () => tickets++);
    listen(tls);
    await new Promise<void>((resolve, rej) => {
      reject = rej;
      tls.once('secureConnect', resolve);
    });
    const key = tls.getPeerX509Certificate()?.publicKey;
    const exchange = tls.getEphemeralKeyInfo();
    const negotiated = [
      tls.getProtocol(),
      tls.getCipher().name,
      (exchange && 'name' in exchange && exchange.name) || 'no ECDHE',
      `${key?.asymmetricKeyType} ${key?.asymmetricKeyDetails?.namedCurve ?? key?.asymmetricKeyDetails?.modulusLength ?? ''} certificate`,
    ];
    tls.write(header(o.domain));
    await expect(/<\/stream:features>/);
    const scram = scramClient(o.mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256', o.user, o.password, {
      saltedCache: o.saltedCache,
    });
    tls.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='${o.mechanism}'>${b64(scram.first)}</auth>`);
    const challenge = await expect(/<challenge[^>]*>([^<]*)<\/challenge>|<failure[\s\S]*?<\/failure>/);
    if (challenge[1] === undefined) throw new Error(`${o.user}: SASL ${challenge[0]}`);
    tls.write(`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${b64(scram.final(unb64(challenge[1])))}</response>`);
    const success = await expect(/<success[^>]*>([^<]*)<\/success>|<failure[\s\S]*?<\/failure>/);
    if (success[1] === undefined || !scram.verify(unb64(success[1]))) {
      throw new Error(`${o.user}: SASL ${success[0]}`);
    }
    tls.write(header(o.domain));
    await expect(/<\/stream:features>/);
    tls.write(
      `<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${o.resource}</resource></bind></iq>`,
    );
    const bound = await expect(/<iq[^>]*\bid=['"]bind1['"][^>]*>[\s\S]*?<\/iq>/);
    const jid = /<jid>([^<]+)<\/jid>/.exec(bound[0])?.[1];
    if (!jid) throw new Error(`${o.user}: bind ${bound[0]}`);
    if (o.presence) tls.write('<presence/>');
    const loginMs = performance.now() - t0;
    clearTimeout(timer);
    const scanners: { re: RegExp; fn: (m: RegExpExecArray) => void }[] = [];
    let tail = '';
    online = (chunk) => {
      const text = tail + chunk;
      let end = 0;
      for (const s of scanners) {
        s.re.lastIndex = 0;
        for (let m = s.re.exec(text); m; m = s.re.exec(text)) {
          if (m.index + m[0].length > tail.length) s.fn(m); // not seen with the previous read
          end = Math.max(end, m.index + m[0].length);
        }
      }
      tail = text.slice(Math.max(end, text.length - 256));
    };
    socket.removeAllListeners('close').removeAllListeners('error');
    socket.on('error', () => undefined); // a server closing at the end of a run
    return {
      loginMs,
      fullJid: jid,
      tls: [...negotiated, `${tickets} session tickets by the bind`].join(' '),
      send: (xml) => socket.write(xml),
      scan: (re, fn) => scanners.push({ re, fn }),
      close: () => {
        socket.end('</stream:stream>', () => socket.destroy());
      },
    };
  } catch (err) {
    clearTimeout(timer);
    socket.destroy();
    raw.destroy();
    throw err;
  }
}
