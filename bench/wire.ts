// Over-the-wire load for the directory benchmark: HTTP/1.1 GETs and LDAPv3 searches on keep-alive
// connections, encoded before the clock starts and parsed only as far as needed to know that an
// answer is complete and good, so the client costs a few µs per lookup and the server is what is
// measured. Two modes: closed (each connection sends its next lookup when the last is answered:
// the most a server does) and open (lookups at a fixed rate, latency counted from when each was
// due, so a stalled server is not hidden by the client waiting for it).
import net from 'node:net';

/** One lookup on the wire: HTTP one request; LDAP the exact search and, when it finds nothing, the company search. */
export type WireLookup = { kind: 'http'; request: Buffer } | { kind: 'ldap'; exact: Buffer; company: Buffer };

export interface WireResult {
  /** Lookups answered (at a rate: those the server did not get to in time count in the latencies only). */
  lookups: number;
  seconds: number;
  p50: number;
  p99: number;
  /** Answers that were no success (HTTP status ≠ 200, LDAP result code ≠ 0). */
  errors: number;
}

/* ---------------------------------------------- BER for the LDAP side (RFC 4511) ---------------------------------------------- */

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
const octets = (s: string) => tlv(0x04, Buffer.from(s, 'utf8'));
function integer(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
export const ldapEquals = (attr: string, value: string) => tlv(0xa3, Buffer.concat([octets(attr), octets(value)]));
export const ldapOr = (filters: Buffer[]) => tlv(0xa1, Buffer.concat(filters));
/** A SearchRequest (one level below `base`) for `filter`, asking for `attributes`. */
export function ldapSearch(base: string, filter: Buffer, attributes: string[]): Buffer {
  const none = integer(0);
  return tlv(
    0x63,
    Buffer.concat([
      octets(base),
      tlv(0x0a, Buffer.from([1])),
      tlv(0x0a, Buffer.from([0])),
      none,
      none,
      tlv(0x01, Buffer.from([0])),
      filter,
      tlv(0x30, Buffer.concat(attributes.map(octets))),
    ]),
  );
}
const ldapMessage = (id: number, op: Buffer) => tlv(0x30, Buffer.concat([integer(id), op]));
const ldapBind = (dn: string, password: string) =>
  tlv(0x60, Buffer.concat([integer(3), octets(dn), tlv(0x80, Buffer.from(password, 'utf8'))]));

/* ---------------------------------------------- connections ---------------------------------------------- */

export interface WireTarget {
  host: string;
  port: number;
  /** LDAP: the account to bind with. */
  bind?: { dn: string; password: string };
}

/** One keep-alive connection with one lookup in flight at a time. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private pending: ((ok: boolean) => void) | null = null;
  private lookup: WireLookup | null = null;
  private entries = 0;
  private nextId = 1;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
    });
  }

  static async open(target: WireTarget): Promise<Connection> {
    const socket = net.connect(target.port, target.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new Connection(socket);
    if (target.bind) {
      const ok = await new Promise<boolean>((resolve) => {
        c.pending = resolve;
        c.lookup = { kind: 'ldap', exact: Buffer.alloc(0), company: Buffer.alloc(0) };
        socket.write(ldapMessage(c.nextId++, ldapBind(target.bind?.dn ?? '', target.bind?.password ?? '')));
      });
      if (!ok) throw new Error('LDAP bind failed');
    }
    return c;
  }

  /** Sends one lookup; resolves with whether it was answered with success. */
  send(lookup: WireLookup): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.lookup = lookup;
      this.entries = 0;
      if (lookup.kind === 'http') this.socket.write(lookup.request);
      else this.socket.write(ldapMessage(this.nextId++, lookup.exact));
    });
  }

  private done(ok: boolean) {
    const resolve = this.pending;
    this.pending = null;
    resolve?.(ok);
  }

  private parse() {
    if (this.lookup?.kind === 'http') return this.parseHttp();
    for (;;) {
      if (this.buf.length < 2) return;
      let at = 1;
      let len = this.buf[at++] as number;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (this.buf.length < at + n) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (this.buf[at++] as number);
      }
      if (this.buf.length < at + len) return;
      // messageID (a short INTEGER), then the operation's tag.
      const op = at + 2 + (this.buf[at + 1] as number);
      const tag = this.buf[op] as number;
      const opLen = this.buf[op + 1] as number;
      const content = op + 2 + (opLen & 0x80 ? opLen & 0x7f : 0);
      const frame = this.buf.subarray(0, at + len);
      this.buf = this.buf.subarray(at + len);
      if (tag === 0x64) this.entries++;
      else if (tag === 0x61 || tag === 0x65) {
        const code = frame[content + 2] as number;
        const lookup: WireLookup | null = this.lookup;
        if (tag === 0x65 && code === 0 && this.entries === 0 && lookup?.kind === 'ldap' && lookup.company.length > 0) {
          this.socket.write(ldapMessage(this.nextId++, lookup.company));
          // Nothing more for this lookup after the company search.
          this.lookup = { kind: 'ldap', exact: lookup.exact, company: Buffer.alloc(0) };
        } else this.done(code === 0);
      }
    }
  }

  private parseHttp() {
    const head = this.buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const header = this.buf.toString('latin1', 0, head);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(header)?.[1] ?? 0);
    if (this.buf.length < head + 4 + length) return;
    this.buf = this.buf.subarray(head + 4 + length);
    this.done(header.startsWith('HTTP/1.1 200'));
  }

  close() {
    this.socket.destroy();
  }
}

function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: at(50), p99: at(99) };
}

/**
 * Runs `lookups` (round robin) over `connections` connections for `seconds`: closed loop when
 * `rate` is undefined, else at `rate` lookups per second. `onStart`/`onEnd` bracket the timed part
 * (to read the server's CPU). Latencies in ms.
 */
export async function wireLoad(
  target: WireTarget,
  lookups: WireLookup[],
  o: { connections: number; seconds: number; rate?: number; onStart?: () => void; onEnd?: () => void },
): Promise<WireResult> {
  const conns = await Promise.all(Array.from({ length: o.connections }, () => Connection.open(target)));
  const latencies: number[] = [];
  let errors = 0;
  let answered = 0;
  let next = 0;
  const take = () => lookups[next++ % lookups.length] as WireLookup;
  o.onStart?.();
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  if (o.rate === undefined) {
    await Promise.all(
      conns.map(async (c) => {
        while (performance.now() < end) {
          const start = performance.now();
          if (!(await c.send(take()))) errors++;
          answered++;
          latencies.push(performance.now() - start);
        }
      }),
    );
  } else {
    // Due times at the rate; a lookup waits for a free connection, and its latency counts from when it was due.
    const rate = o.rate;
    const idle = [...conns];
    const due: number[] = [];
    let sent = 0;
    const run = (c: Connection, dueAt: number) => {
      c.send(take()).then((ok) => {
        if (!ok) errors++;
        answered++;
        const now = performance.now();
        latencies.push(now - dueAt);
        const waiting = due.shift();
        if (waiting !== undefined) run(c, waiting);
        else idle.push(c);
      });
    };
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const target = Math.floor(((Math.min(now, end) - t0) / 1000) * rate);
        for (; sent < target; sent++) {
          const dueAt = t0 + (sent / rate) * 1000;
          const c = idle.pop();
          if (c) run(c, dueAt);
          else due.push(dueAt);
        }
        if (now < end) setImmediate(tick);
        else resolve();
      };
      tick();
    });
    // Lookups still waiting for a connection at the end are not sent; their latency so far counts.
    const now = performance.now();
    for (const dueAt of due.splice(0)) latencies.push(now - dueAt);
    while (idle.length < conns.length) await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  o.onEnd?.();
  for (const c of conns) c.close();
  return { lookups: answered, seconds, ...percentiles(latencies), errors };
}
