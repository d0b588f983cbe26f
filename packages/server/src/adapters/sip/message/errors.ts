// Errors of the SIP message layer (RFC 3261 §7, §18.3, §21.4).

/** What the transport does with a message that failed to parse. */
export type SipParseAction =
  /** Answer with `status` (a request whose Via, From, To, Call-ID and CSeq were read). */
  | 'respond'
  /** Discard silently: a response, or a request too broken to answer. */
  | 'drop'
  /** Stream framing is lost: close the connection. */
  | 'close';

/** Raw header values of a rejected request, enough to render its error response. */
export interface SipErrorContext {
  method: string;
  headers: { name: string; value: string }[];
}

export class SipParseError extends Error {
  /** @param status the response code for `respond` (400, or 505 for a wrong SIP version). */
  constructor(
    readonly reason: string,
    readonly action: SipParseAction = 'drop',
    readonly status = 400,
    readonly context?: SipErrorContext,
  ) {
    super(`SIP parse error: ${reason}`);
    this.name = 'SipParseError';
  }
}

/** Throws a parse error; the message layer decides later whether it can be answered. */
export function fail(reason: string, status = 400): never {
  throw new SipParseError(reason, 'drop', status);
}
