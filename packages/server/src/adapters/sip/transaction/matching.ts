import { renderUri, type SipRequest, type SipResponse, tagOf, type Via } from '../message/index.js';

/** The RFC 3261 branch prefix: a branch starting with it was built to be unique (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

const sentBy = (via: Via) => `${via.host.toLowerCase()}:${via.port ?? ''}`;

function topVia(message: SipRequest | SipResponse): Via {
  const via = message.via[0];
  if (!via) throw new TypeError('SIP message without a Via header');
  return via;
}

/** Whether the request's top Via branch carries the RFC 3261 magic cookie. */
export function hasCookie(request: SipRequest): boolean {
  return topVia(request).branch?.startsWith(MAGIC_COOKIE) ?? false;
}

/**
 * The client transaction a response belongs to (§17.1.3): the top Via branch and the CSeq method
 * (so the responses to a CANCEL do not match the INVITE with the same branch).
 */
export function clientKey(message: SipRequest | SipResponse): string {
  return `c|${topVia(message).branch ?? ''}|${message.cseq.method}`;
}

/**
 * The server transaction a request belongs to (§17.2.3). With the magic cookie: branch, sent-by
 * and method, ACK counting as INVITE. Without it (RFC 2543 peers): Request-URI, From tag, Call-ID,
 * CSeq, the whole top Via and the To tag — except for INVITE, whose ACK carries the To tag of the
 * response rather than that of the INVITE (`ackMatches` checks that one).
 */
export function serverKey(request: SipRequest): string {
  return serverKeyAs(request, request.method === 'ACK' ? 'INVITE' : request.method);
}

/** The key of the INVITE server transaction a CANCEL cancels (§9.2: same fields, method INVITE). */
export function cancelTargetKey(cancel: SipRequest): string {
  return serverKeyAs(cancel, 'INVITE');
}

function serverKeyAs(request: SipRequest, method: string): string {
  const via = topVia(request);
  if (hasCookie(request)) return `s|${via.branch}|${sentBy(via)}|${method}`;
  const viaText = `${via.transport.toUpperCase()}|${sentBy(via)}|${via.branch ?? ''}`;
  const toTag = method === 'INVITE' ? '' : (tagOf(request.to) ?? '');
  const fields = [
    renderUri(request.uri),
    tagOf(request.from) ?? '',
    toTag,
    request.callId,
    request.cseq.seq,
    method,
    viaText,
  ];
  return `s2543|${fields.join('|')}`;
}

/**
 * Whether a request found under an INVITE transaction's key really is its ACK or CANCEL (§17.2.3,
 * §9.2): with the magic cookie the key decides; in the RFC 2543 fallback an ACK must carry the To
 * tag of the response the transaction sent, a CANCEL the To tag of the INVITE.
 */
export function matchesInvite(invite: SipRequest, lastResponse: SipResponse | undefined, request: SipRequest): boolean {
  if (hasCookie(request)) return true;
  const expected = request.method === 'ACK' ? lastResponse && tagOf(lastResponse.to) : tagOf(invite.to);
  return tagOf(request.to) === expected;
}
