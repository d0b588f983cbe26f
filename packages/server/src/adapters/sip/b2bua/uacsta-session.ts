// uaCSTA sessions (ECMA TR/87 §7): Parley opens a CSTA application session to a phone with an
// INVITE carrying a CSTA body (RequestSystemStatus, Content-Disposition: signal;handling=required)
// and sends its requests in INFO inside that dialog; the phone's response comes in the INFO's 2xx.
// One session per registered contact, opened when first needed and ended (BYE) after a while
// unused; a session the phone forgot (481, 408) is opened anew once.
import { ParleyError } from '../../../core/errors.js';
import { respond, type SipRequest, type SipResponse } from '../message/index.js';
import { cancelFor, type ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { Leg } from './leg.js';
import { cstaHeaders, renderUaCsta, type UaCstaRequest, uaCstaFailure } from './uacsta.js';

/** How Parley reaches the phone: its contact over its flow (Route from its registration's Path). */
export interface UaCstaTarget {
  contact: string;
  flow: Flow;
  route: string[];
  /** The phone's address (To of the session), and Parley's (From). */
  to: string;
  from: string;
}

/** What the sessions need of the switch. */
export interface UaCstaTransport {
  sendRequest(request: SipRequest, flow: Flow, onResponse: (response: SipResponse) => void): void;
  send(message: SipRequest, flow: Flow): void;
  respond(tx: ServerTransaction<Flow>, response: SipResponse): void;
  readonly t1: number;
}

interface Session {
  leg: Leg;
  /** The contact it was opened to (its key). */
  contact: string;
  idle?: NodeJS.Timeout;
}

/** A session unused this long is ended. */
const IDLE_MS = 10 * 60_000;

export class UaCstaSessions {
  private readonly byContact = new Map<string, Promise<Session>>();
  private readonly byCallId = new Map<string, Session>();

  constructor(private readonly sw: UaCstaTransport) {}

  /** Sends `request` to the phone at `target` in its session; throws the ParleyError to report. */
  async request(target: UaCstaTarget, request: Exclude<UaCstaRequest, { service: 'RequestSystemStatus' }>) {
    const known = this.byContact.has(target.contact);
    const session = await this.session(target);
    let r = await this.info(session, request);
    if (known && (r.status === 481 || r.status === 408)) {
      // The phone no longer knows the session (it restarted, or ended it unseen): once more, anew.
      this.drop(session);
      r = await this.info(await this.session(target), request);
    }
    if (r.status === 408) throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'the phone did not answer uaCSTA');
    if (r.status >= 300)
      throw new ParleyError(
        'PARLEY_ERR_DEVICE_UNSUPPORTED',
        `the phone refused uaCSTA ${request.service} (${r.status} ${r.reason})`,
      );
    const failure = uaCstaFailure(request.service, r.body);
    if (failure) throw failure;
  }

  /** A request from the phone in a session's dialog (true: it was one): BYE ends it, the rest is taken. */
  inDialog(request: SipRequest, tx: ServerTransaction<Flow>): boolean {
    const session = this.byCallId.get(request.callId);
    if (!session?.leg.owns(request)) return false;
    if (request.method === 'INVITE') {
      this.sw.respond(tx, respond(request, 488, 'Not Acceptable Here (a uaCSTA session has no media)'));
      return true;
    }
    this.sw.respond(tx, respond(request, 200, 'OK'));
    if (request.method === 'BYE') this.drop(session, false);
    return true;
  }

  private session(target: UaCstaTarget): Promise<Session> {
    const open = this.byContact.get(target.contact) ?? this.open(target);
    this.byContact.set(target.contact, open);
    open.catch(() => {
      if (this.byContact.get(target.contact) === open) this.byContact.delete(target.contact);
    });
    return open;
  }

  private async open(target: UaCstaTarget): Promise<Session> {
    const leg = Leg.calling(target.from, target.to, target.contact, target.flow, target.route);
    const invite = leg.request('INVITE', {
      headers: cstaHeaders,
      body: Buffer.from(renderUaCsta({ service: 'RequestSystemStatus' })),
    });
    const r = await new Promise<SipResponse>((resolve) => {
      // A phone that only rings is given up after 64·T1: its INVITE is cancelled (once a
      // provisional response came, §9.1; without one the transaction times out with 408).
      let provisional = false;
      const timer = setTimeout(() => {
        if (provisional) this.sw.sendRequest(cancelFor(invite), target.flow, () => undefined);
      }, 64 * this.sw.t1);
      this.sw.sendRequest(invite, target.flow, (response) => {
        provisional ||= response.status > 100 && response.status < 200;
        if (response.status < 200) return;
        clearTimeout(timer);
        if (response.status < 300) {
          leg.learn(response);
          // The ACK of every 2xx (a retransmitted one too, §13.2.2.4).
          this.sw.send(leg.request('ACK', { seq: response.cseq.seq }), target.flow);
        }
        resolve(response);
      });
    });
    if (r.status === 408 || r.status === 487)
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'the phone did not take the uaCSTA session');
    if (r.status >= 300)
      throw new ParleyError(
        'PARLEY_ERR_DEVICE_UNSUPPORTED',
        `the phone refused the uaCSTA session (${r.status} ${r.reason})`,
      );
    const session: Session = { leg, contact: target.contact };
    this.byCallId.set(leg.callId, session);
    return session;
  }

  private info(session: Session, request: UaCstaRequest): Promise<SipResponse> {
    clearTimeout(session.idle);
    const info = session.leg.request('INFO', { headers: cstaHeaders, body: Buffer.from(renderUaCsta(request)) });
    return new Promise((resolve) =>
      this.sw.sendRequest(info, session.leg.flow, (r) => {
        if (r.status < 200) return;
        session.idle = setTimeout(() => this.drop(session), IDLE_MS);
        session.idle.unref();
        resolve(r);
      }),
    );
  }

  /** Forgets a session (with a BYE unless the phone ended it). */
  private drop(session: Session, bye = true): void {
    if (this.byCallId.get(session.leg.callId) !== session) return;
    clearTimeout(session.idle);
    this.byCallId.delete(session.leg.callId);
    this.byContact.delete(session.contact);
    if (bye) this.sw.sendRequest(session.leg.request('BYE'), session.leg.flow, () => undefined);
  }
}
