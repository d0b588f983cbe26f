// Messages this server builds itself, as the same typed objects the parser produces.
import type { SipErrorContext } from './errors.js';
import { canonicalName, type SipHeader } from './headers.js';
import { DEFAULT_SIP_LIMITS } from './limits.js';
import {
  completeMessage,
  type FieldReaders,
  readOptionalFields,
  type SipMessage,
  type SipMessageBase,
  type SipRequest,
  type SipResponse,
} from './parse.js';

const EMPTY = Buffer.alloc(0);

import { parseNameAddr } from './name-addr.js';
import { buildResponse, type OutgoingResponse, type ResponseOptions, renderRequest, renderResponse } from './render.js';
import { parseUri, renderUri, type Uri } from './uri.js';

/** Parsed values by their text, for the texts this server writes again and again (bounded; built messages all use the default limits). */
function memo<T>(parse: (text: string, max: number) => T): (text: string, max: number) => T {
  const seen = new Map<string, T>();
  return (text, max) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    const value = parse(text, max);
    if (seen.size >= 2000) seen.clear();
    seen.set(text, value);
    return value;
  };
}

/**
 * A leg's From, To, Contact and target are the same text in each of its requests: parsed once.
 * Parsed values are shared between messages, which no layer changes (each makes new ones).
 */
const BUILT: FieldReaders = { nameAddr: memo(parseNameAddr), uri: memo(parseUri) };

/**
 * A request from its parts, checked and typed as if it had been received: the same invariants
 * hold for every message the layers pass around, whoever made it.
 */
export function makeRequest(
  method: string,
  uri: Uri | string,
  headers: SipHeader[],
  body: Buffer = Buffer.alloc(0),
): SipRequest {
  const uriText = typeof uri === 'string' ? uri : renderUri(uri);
  return completeMessage(
    { start: { kind: 'request', method, uriText }, headers },
    body,
    DEFAULT_SIP_LIMITS,
    BUILT,
  ) as SipRequest;
}

/** A response from its parts (see `makeRequest`). */
export function makeResponse(response: OutgoingResponse): SipResponse {
  const { status, reason, headers, body = Buffer.alloc(0) } = response;
  return completeMessage(
    { start: { kind: 'response', status, reason }, headers },
    body,
    DEFAULT_SIP_LIMITS,
    BUILT,
  ) as SipResponse;
}

/** Headers a response copies from its request, whose typed fields it then shares. */
const COPIED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length', 'Max-Forwards']);

/**
 * A typed response to a request (RFC 3261 §8.2.6): `buildResponse` made into a message. Via,
 * From, To, Call-ID and CSeq are the parsed request's own (To with the new tag), so only the
 * headers the caller adds are read, not the copied ones parsed again.
 */
export function respond(
  request: SipRequest | SipErrorContext,
  status: number,
  reason: string,
  options?: ResponseOptions,
): SipResponse {
  const outgoing = buildResponse(request, status, reason, options);
  const extra = options?.headers ?? [];
  if (!('via' in request) || extra.some((h) => COPIED.has(canonicalName(h.name)))) return makeResponse(outgoing);
  const toHeader = outgoing.headers.find((h) => h.name === 'To');
  const tag = toHeader !== undefined && !request.headers.includes(toHeader) ? options?.toTag : undefined;
  const to = tag === undefined ? request.to : { ...request.to, params: new Map(request.to.params).set('tag', tag) };
  const { via, from, callId, cseq } = request;
  const base: SipMessageBase = { headers: outgoing.headers, body: outgoing.body ?? EMPTY, via, from, to, callId, cseq };
  readOptionalFields(base, extra, DEFAULT_SIP_LIMITS);
  return { kind: 'response', status, reason, ...base };
}

/** The wire form of a message. */
export function renderMessage(message: SipMessage): Buffer {
  return message.kind === 'request' ? renderRequest(message) : renderResponse(message);
}
