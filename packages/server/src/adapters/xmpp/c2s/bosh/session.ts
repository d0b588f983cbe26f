// One BOSH session (XEP-0124, XEP-0206) as a client stream's transport: the HTTP requests of its
// `sid` bring the client's payloads in rid order, and what the stream sends waits for a held
// request (long polling) and leaves batched in one <body/>. A session's end is a TCP close to the
// stream engine: by the client (`type='terminate'`), by the stream (an error), or by inactivity.
import type { XmlElement } from '../../xml/element.js';
import { TokenBucket } from '../rate.js';
import { MAX_UNSENT_BYTES, type Transport, type TransportEvents } from '../transport.js';
import { type BoshBody, type BoshCondition, renderBody, terminateBody } from './body.js';
import { parseRid, pollsTooOften, RidWindow } from './rids.js';

/** The BOSH version this server speaks (XEP-0124 1.11). */
export const BOSH_VERSION = '1.11';
/** Longest pause a client may ask for (`maxpause`, XEP-0124 §10). */
export const BOSH_MAX_PAUSE_SECONDS = 120;
/** Shortest interval between empty requests (`polling`, XEP-0124 §12). */
export const BOSH_POLLING_SECONDS = 2;

export interface BoshSettings {
  /** Longest a request is held (the client's `wait` is capped to it). */
  maxWaitSeconds: number;
  /** A session with no request for this long has lost its client. */
  inactivitySeconds: number;
  /** Longest pause a client may ask for (`pause`, XEP-0124 §10). */
  maxPauseSeconds: number;
  /** Shortest interval between empty requests (§12). */
  pollingSeconds: number;
}

export interface BoshSessionOptions {
  sid: string;
  address: string;
  /** HTTPS (at a trusted proxy). */
  secure: boolean;
  settings: BoshSettings;
  rate: { bytesPerSecond: number; burstSeconds: number };
  now: () => number;
  /** The session is over (its end sent, or its client lost). */
  gone(): void;
}

/** How a request's answer leaves: the text of the response's <body/>. */
export type Reply = (body: string) => void;

interface Held {
  rid: number;
  reply: Reply;
  timer?: NodeJS.Timeout;
}

const flag = (v: string | undefined) => v === 'true' || v === '1';

export class BoshSession implements Transport {
  readonly kind = 'bosh';
  readonly canStartTls = false;
  readonly address: string;
  readonly secure: boolean;
  /** The answers' Content-Type (the creation's `content`, XEP-0124 §7). */
  contentType = 'text/xml; charset=utf-8';
  /** The session creation's values: `wait`, `hold`, `requests` as agreed. */
  wait = 0;
  hold = 1;
  private requests = 2;
  private window: RidWindow | undefined;
  private events: TransportEvents | undefined;
  private readonly held: Held[] = [];
  /** Requests ahead of a gap in the rids, waiting for it to be filled. */
  private readonly ahead = new Map<number, { body: BoshBody; reply: Reply }>();
  private pending: XmlElement[] = [];
  private pendingBytes = 0;
  /** Attributes for the next answer: the creation's, then the stream header's (`from`, `xmpp:version`). */
  private next: Record<string, string> = {};
  private acks = false;
  private flushing = false;
  private inactivity: NodeJS.Timeout | undefined;
  private pause = 0;
  private previous = { at: 0, empty: false, answeredEmpty: false };
  private readonly bucket: TokenBucket;
  /** Over: what any later request is answered with. */
  private over: string | undefined;
  private to: string | undefined;
  private lang: string | undefined;

  constructor(private readonly o: BoshSessionOptions) {
    this.address = o.address;
    this.secure = o.secure;
    this.bucket = new TokenBucket(o.rate, o.now);
  }

  get sid(): string {
    return this.o.sid;
  }

  /** Over: the session's end was sent or is waiting for the client's next request. */
  get ended(): boolean {
    return this.over !== undefined;
  }

  /** Milliseconds a request of `bytes` waits before it is handled (the client's byte rate). */
  throttle(bytes: number): number {
    return this.bucket.take(bytes);
  }

  /** The session creation request (XEP-0124 §7): the answer's attributes; the stream opens. */
  create(body: BoshBody, reply: Reply): void {
    const { attrs } = body;
    const rid = parseRid(attrs.rid) as number;
    const s = this.o.settings;
    const wait = Number(attrs.wait);
    this.wait = Math.min(Number.isInteger(wait) && wait >= 0 ? wait : s.maxWaitSeconds, s.maxWaitSeconds);
    const hold = Number(attrs.hold);
    this.hold = Number.isInteger(hold) && hold >= 0 ? Math.min(hold, 1) : 1;
    this.requests = this.hold + 1;
    this.window = new RidWindow(rid, this.requests);
    this.acks = attrs.ack === '1';
    const ver = attrs.ver && /^\d+\.\d+$/.test(attrs.ver) ? attrs.ver : BOSH_VERSION;
    const older = Number(ver.split('.')[1]) < Number(BOSH_VERSION.split('.')[1]) && ver.startsWith('1.');
    this.next = {
      sid: this.o.sid,
      wait: String(this.wait),
      hold: String(this.hold),
      requests: String(this.requests),
      inactivity: String(s.inactivitySeconds),
      polling: String(s.pollingSeconds),
      maxpause: String(s.maxPauseSeconds),
      ver: older ? ver : BOSH_VERSION,
      'xmpp:restartlogic': 'true',
      ...(this.acks && { ack: String(rid) }),
    };
    this.to = attrs.to;
    this.lang = attrs['xml:lang'];
    this.previous.at = this.o.now();
    this.open(attrs);
    this.keep(rid, reply);
  }

  /** A request of this session (XEP-0124 §8–§14). */
  request(body: BoshBody, reply: Reply): void {
    if (this.over !== undefined) return void reply(this.over);
    const window = this.window as RidWindow;
    const rid = parseRid(body.attrs.rid);
    if (rid === undefined) return void this.terminate('bad-request', reply);
    const place = window.place(rid);
    if (place === 'repeat') return void this.repeat(rid, reply);
    if (place === 'outside') return void this.terminate('item-not-found', reply);
    const waiting = this.ahead.get(rid);
    if (waiting) {
      // A repeat of a request still waiting for the gap: as for a held one (§14.3).
      waiting.reply(renderBody({ type: 'error' }));
      waiting.reply = reply;
      return;
    }
    const exempt = body.attrs.type === 'terminate' || body.attrs.pause !== undefined;
    if (!exempt && this.held.length + this.ahead.size + 1 > this.requests) {
      return void this.terminate('policy-violation', reply);
    }
    if (place === 'ahead') {
      this.ahead.set(rid, { body, reply });
      return;
    }
    this.handle(rid, body, reply);
    for (let n = this.ahead.get(window.last + 1); n && this.over === undefined; n = this.ahead.get(window.last + 1)) {
      this.ahead.delete(window.last + 1);
      this.handle(window.last + 1, n.body, n.reply);
    }
  }

  private handle(rid: number, body: BoshBody, reply: Reply): void {
    const { attrs, payloads } = body;
    (this.window as RidWindow).handled(rid);
    const restart = flag(attrs['xmpp:restart']);
    const terminate = attrs.type === 'terminate';
    const pause = Number(attrs.pause);
    const pausing = attrs.pause !== undefined && Number.isInteger(pause) && pause > 0;
    const empty = payloads.length === 0 && !restart && !terminate && !pausing;
    const now = this.o.now();
    const activity = {
      empty,
      previousEmpty: this.previous.empty,
      previousAnsweredEmpty: this.previous.answeredEmpty,
      sinceMs: now - this.previous.at,
      held: this.held.length,
      hold: this.hold,
      pollingSeconds: this.o.settings.pollingSeconds,
    };
    this.previous = { at: now, empty, answeredEmpty: false };
    if (pollsTooOften(activity)) return void this.terminate('policy-violation', reply);
    clearTimeout(this.inactivity);
    this.pause = pausing ? Math.min(pause, this.o.settings.maxPauseSeconds) : 0;
    this.events?.active();
    if (restart) this.open({ ...attrs, to: attrs.to ?? this.to ?? '', 'xml:lang': attrs['xml:lang'] ?? this.lang });
    else for (const element of payloads) this.events?.event({ kind: 'element', element });
    if (terminate) this.events?.event({ kind: 'close' });
    this.keep(rid, reply);
    if (this.pause > 0) while (this.held.length > 0) this.answer(this.held[0] as Held, []);
  }

  /** A new stream (creation or restart, XEP-0206 §5): the stream engine sees its header. */
  private open(attrs: Record<string, string | undefined>): void {
    const header: Record<string, string> = { to: attrs.to ?? '', version: attrs['xmpp:version'] ?? '1.0' };
    if (attrs['xml:lang']) header['xml:lang'] = attrs['xml:lang'];
    this.events?.event({ kind: 'open', attrs: header });
  }

  /** XEP-0124 §14.3: a repeated rid gets its kept answer; one still held moves to the new request. */
  private repeat(rid: number, reply: Reply): void {
    const kept = (this.window as RidWindow).answer(rid);
    if (kept !== undefined) return void reply(kept);
    const held = this.held.find((h) => h.rid === rid);
    if (!held) return void this.terminate('item-not-found', reply);
    held.reply(renderBody({ type: 'error' }));
    held.reply = reply;
  }

  /** Holds a request until something is to be sent, for `wait` at most; beyond `hold` the oldest is answered. */
  private keep(rid: number, reply: Reply): void {
    const held: Held = { rid, reply };
    held.timer = setTimeout(() => this.answer(held, []), this.wait * 1000);
    this.held.push(held);
    if (this.pending.length > 0) this.schedule();
    while (this.held.length > this.hold && !this.flushing) this.answer(this.held[0] as Held, []);
  }

  private answer(held: Held, payloads: XmlElement[]): void {
    const i = this.held.indexOf(held);
    if (i < 0) return;
    this.held.splice(i, 1);
    clearTimeout(held.timer);
    const window = this.window as RidWindow;
    const ack = this.acks && window.last !== held.rid && this.next.sid === undefined ? String(window.last) : undefined;
    const text = renderBody({ ...this.next, ack: this.next.ack ?? ack }, payloads);
    this.next = {};
    window.keep(held.rid, text);
    if (payloads.length === 0) this.previous.answeredEmpty = true;
    held.reply(text);
    this.idle();
  }

  /** Nothing held: the client must come back within the inactivity period (or its pause). */
  private idle(): void {
    if (this.held.length > 0 || this.ahead.size > 0 || this.over !== undefined) return;
    clearTimeout(this.inactivity);
    const seconds = this.pause || this.o.settings.inactivitySeconds;
    this.inactivity = setTimeout(() => this.lost(), seconds * 1000);
  }

  /** What was sent in this turn leaves together, in the oldest held request. */
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      const held = this.held[0];
      if (!held || this.over !== undefined) return;
      this.pendingBytes = 0;
      this.answer(held, this.pending.splice(0));
      while (this.held.length > this.hold) this.answer(this.held[0] as Held, []);
    });
  }

  /** Ends the session with a terminal binding condition on every open request (a bad or abusive request). */
  private terminate(condition: BoshCondition, reply: Reply): void {
    this.finish(terminateBody(condition));
    reply(this.over as string);
    this.gone();
  }

  /** The client is gone (no request within the inactivity period, or not reading): a lost connection. */
  private lost(): void {
    this.finish(terminateBody('item-not-found'));
    this.gone();
  }

  /** Every held request gets `body`, and so does any later request of the sid. */
  private finish(body: string): void {
    if (this.over !== undefined) return;
    this.over = body;
    clearTimeout(this.inactivity);
    for (const held of this.held.splice(0)) {
      clearTimeout(held.timer);
      held.reply(body);
    }
    for (const n of this.ahead.values()) n.reply(body);
    this.ahead.clear();
    this.pending = [];
  }

  private gone(): void {
    const events = this.events;
    this.events = undefined;
    if (events) queueMicrotask(() => events.closed());
    this.o.gone();
  }

  channelBindings(): Record<string, Buffer> {
    return {};
  }

  listen(events: TransportEvents): void {
    this.events = events;
  }

  header(attrs: Record<string, string>): void {
    if (this.over !== undefined) return;
    this.next = { ...this.next, ...(attrs.from && { from: attrs.from }), 'xmpp:version': attrs.version ?? '1.0' };
    this.schedule();
  }

  send(element: XmlElement): void {
    if (this.over !== undefined) return;
    this.pending.push(element);
    this.pendingBytes += element.toString().length;
    if (this.pendingBytes > MAX_UNSENT_BYTES) return void this.lost();
    this.schedule();
  }

  /** Every stream's header comes in a request of its own: nothing carries over. */
  restart(): void {}

  startTls(): void {
    throw new Error('no STARTTLS over BOSH (XEP-0206 §4: TLS is HTTPS)');
  }

  /**
   * The stream ended (the client's terminate, or a stream error): the oldest held request carries
   * what is left and `type='terminate'` (`remote-stream-error` around a stream error), the others
   * an empty body.
   */
  end(): void {
    if (this.over !== undefined) return;
    const payloads = this.pending;
    const failed = payloads.some((p) => p.name === 'stream:error');
    const body = terminateBody(failed ? 'remote-stream-error' : undefined, payloads);
    const [oldest, ...others] = this.held.splice(0);
    for (const held of others) {
      clearTimeout(held.timer);
      held.reply(renderBody({}));
    }
    this.finish(body);
    if (oldest) {
      clearTimeout(oldest.timer);
      oldest.reply(body);
    }
    this.gone();
  }
}
