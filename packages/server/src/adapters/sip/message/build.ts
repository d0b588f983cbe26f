// Messages this server builds itself, as the same typed objects the parser produces.
import type { SipErrorContext } from './errors.js';
import type { SipHeader } from './headers.js';
import { DEFAULT_SIP_LIMITS } from './limits.js';
import { completeMessage, type SipMessage, type SipRequest, type SipResponse } from './parse.js';
import { buildResponse, type OutgoingResponse, type ResponseOptions, renderRequest, renderResponse } from './render.js';
import { renderUri, type Uri } from './uri.js';

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
  ) as SipRequest;
}

/** A response from its parts (see `makeRequest`). */
export function makeResponse(response: OutgoingResponse): SipResponse {
  const { status, reason, headers, body = Buffer.alloc(0) } = response;
  return completeMessage(
    { start: { kind: 'response', status, reason }, headers },
    body,
    DEFAULT_SIP_LIMITS,
  ) as SipResponse;
}

/** A typed response to a request (RFC 3261 §8.2.6): `buildResponse` made into a message. */
export function respond(
  request: SipRequest | SipErrorContext,
  status: number,
  reason: string,
  options?: ResponseOptions,
): SipResponse {
  return makeResponse(buildResponse(request, status, reason, options));
}

/** The wire form of a message. */
export function renderMessage(message: SipMessage): Buffer {
  return message.kind === 'request' ? renderRequest(message) : renderResponse(message);
}
