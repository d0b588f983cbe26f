// The pieces of a back-to-back call: its forks, where it comes from, and the message bodies
// (session descriptions) passed between its legs.
import { ParleyError } from '../../../core/errors.js';
import { MediaSdpError } from '../media/index.js';
import { headerValues, type SipHeader, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { Leg } from './leg.js';
import { refusingAnswer } from './sdp.js';
import type { CallParty, CallSide, FailureCause } from './types.js';

export type ForkState = 'calling' | 'early' | 'answered' | 'failed' | 'cancelled';

export interface Fork {
  leg: Leg;
  invite: SipRequest;
  party: CallParty;
  state: ForkState;
  final?: SipResponse;
  /** A CANCEL waits for a provisional response (§9.1). */
  cancelWanted: boolean;
  delivered: boolean;
  /** Our ACK of its 2xx, sent again when the 2xx is retransmitted. */
  ack?: SipRequest;
  /** Event packages the device named in Allow-Events of its registration or provisional response (`talk`: remote answer). */
  events: string[];
  /** The device accepts CSTA XML (its registration or provisional response): AnswerCall by uaCSTA. */
  uaCsta: boolean;
  /** Replaced by other forks (deflection, pickup, forwarding): cancelled, and hung up should it answer. */
  retired?: boolean;
  /** Digest credentials for the far end's challenge (a trunk's); `challenged` once answered. */
  credentials?: Credentials;
  challenged?: boolean;
}

/** A digest user name and password (a trunk's). */
export interface Credentials {
  username: string;
  password: string;
}

export interface ForkTarget {
  party: CallParty;
  /** Request-URI: the registered contact. */
  contact: string;
  flow: Flow;
  /** Route set from the registration's Path. */
  route: string[];
  /** Event packages the device registered with (Allow-Events). */
  events?: string[];
  /** From and To of this fork's INVITE instead of the call's (a trunk: the numbers the provider wants). */
  as?: { from: string; to: string };
  /** Answers a 401/407 of the far end once (a trunk's). */
  credentials?: Credentials;
  /** The device registered accepting CSTA XML (uaCSTA). */
  uaCsta?: boolean;
}

/**
 * Where the call comes from: a device's INVITE; (MakeCall) a device Parley rings first and whose
 * media it parks until the callee answers; or (a transfer) a party already in an established dialog.
 */
export type Origin =
  | { kind: 'invite'; invite: SipRequest; tx: ServerTransaction<Flow> }
  | { kind: 'seated' }
  | {
      kind: 'placed';
      invite: SipRequest;
      ack?: SipRequest;
      final: boolean;
      provisional: boolean;
      /** Cleared while its device rang, and why: a CANCEL goes out once it rings (§9.1). */
      cancelled?: FailureCause;
    };

/** Auto-answer hints for a device rung by MakeCall: RFC 5373 Answer-Mode, and the forms desk phones read. */
export const autoAnswerHeaders = (host: string): SipHeader[] => [
  { name: 'Answer-Mode', value: 'Auto' },
  { name: 'Call-Info', value: `<sip:${host}>;answer-after=0` },
  { name: 'Alert-Info', value: `<sip:${host}>;info=alert-autoanswer;delay=0` },
];

/** What a device's response or registration says it supports of remote answering (BroadSoft talk event). */
export const eventPackages = (m: SipRequest | SipResponse) =>
  headerValues(m.headers, 'Allow-Events')
    .flatMap((v) => v.split(','))
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.length > 0 && e.length <= 64)
    .slice(0, 16);

export const invalidState = (what: string) => new ParleyError('PARLEY_ERR_INVALID_STATE', what);

/** A device's media the engine cannot take (no G.711 over RTP/AVP, e.g. a browser's DTLS-SRTP) as the error a request gets. */
export const unsupportedMedia = (err: unknown) =>
  err instanceof MediaSdpError
    ? new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', `the device's media: ${err.message}`)
    : err;

export const bodyHeaders = (m: SipRequest | SipResponse): SipHeader[] => {
  const type = singleHeader(m.headers, 'Content-Type');
  return type && m.body.length > 0 ? [{ name: 'Content-Type', value: type }] : [];
};

export type Body = { headers: SipHeader[]; body?: Buffer };

/**
 * What our ACK carries to end a late offer on the other leg: the answer in the ACK that came,
 * else (none came) one refusing every stream of `offer` (§13.2.2.4: a valid answer, then BYE).
 */
export function lateAnswer(answer: Body | undefined, offer: Buffer): Body {
  return answer ?? sdpBody(refusingAnswer(offer));
}

/** A session description as a message body (undefined: no body). */
export const sdpBody = (sdp: Buffer | string | undefined): Body =>
  sdp === undefined
    ? { headers: [] }
    : { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: Buffer.from(sdp) };

export const other = (side: CallSide): CallSide => (side === 'A' ? 'B' : 'A');

export const bodyOf = (m: SipRequest | SipResponse): Body => ({ headers: bodyHeaders(m), body: m.body });

/** Where a ringing call goes instead: the devices to ring and who they are. */
export interface Diversion {
  targets: ForkTarget[];
  party: CallParty;
}

/** The callee's forwarding on busy and on no answer (RFC 5806's cases, ECMA-269 §22.2.8). */
export interface Fallbacks {
  busy?: Diversion;
  noAnswer?: Diversion & { afterMs: number };
}
