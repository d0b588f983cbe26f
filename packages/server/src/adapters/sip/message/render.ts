// Rendering messages (RFC 3261 §7) and building responses to requests (§8.2.6).
import type { SipErrorContext } from './errors.js';
import { canonicalName, type SipHeader } from './headers.js';
import type { SipRequest } from './parse.js';
import { renderUri, type Uri } from './uri.js';

export interface OutgoingRequest {
  method: string;
  uri: Uri;
  headers: SipHeader[];
  body?: Buffer;
}

export interface OutgoingResponse {
  status: number;
  reason: string;
  headers: SipHeader[];
  body?: Buffer;
}

function renderHeaders(headers: readonly SipHeader[], body: Buffer | undefined): string {
  let out = '';
  for (const h of headers) {
    const name = canonicalName(h.name);
    if (name === 'Content-Length') continue;
    if (h.value.includes('\n') || h.value.includes('\r')) throw new Error(`SIP header ${name} contains a line break`);
    out += `${name}: ${h.value}\r\n`;
  }
  return `${out}Content-Length: ${body?.length ?? 0}\r\n\r\n`;
}

/** Renders a request with canonical header names and Content-Length set from the body. */
export function renderRequest(request: OutgoingRequest): Buffer {
  return withBody(
    `${request.method} ${renderUri(request.uri)} SIP/2.0\r\n${renderHeaders(request.headers, request.body)}`,
    request.body,
  );
}

/** Renders a response with canonical header names and Content-Length set from the body. */
export function renderResponse(response: OutgoingResponse): Buffer {
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 699) {
    throw new RangeError(`SIP status ${response.status} out of range`);
  }
  return withBody(
    `SIP/2.0 ${response.status} ${response.reason}\r\n${renderHeaders(response.headers, response.body)}`,
    response.body,
  );
}

/** The head's bytes followed by the body's, written once into one buffer. */
function withBody(head: string, body: Buffer | undefined): Buffer {
  if (!body || body.length === 0) return Buffer.from(head, 'utf8');
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headBytes);
  return out;
}

export interface ResponseOptions {
  /** To tag added when the request's To has none (required for every response but 100). */
  toTag?: string;
  headers?: SipHeader[];
  body?: Buffer;
}

/** Requests whose 101-299 responses make a dialog, which carries the request's Record-Route (RFC 3261 §12.1.1). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE']);

/**
 * Builds a response to a request (RFC 3261 §8.2.6): Via (all, in order), From, To (with the
 * tag), Call-ID and CSeq copied, and Record-Route in a response that makes a dialog;
 * `options.headers` follow them.
 */
export function buildResponse(
  request: SipRequest | SipErrorContext,
  status: number,
  reason: string,
  options: ResponseOptions = {},
): OutgoingResponse {
  const names = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
  if (status > 100 && status < 300 && DIALOG_CREATING.has(request.method)) names.push('Record-Route');
  const copied = request.headers.filter((h) => names.includes(h.name));
  const headers = copied.map((h) => {
    if (h.name !== 'To' || options.toTag === undefined || status === 100 || /;\s*tag\s*=/i.test(h.value)) return h;
    return { name: 'To', value: `${h.value};tag=${options.toTag}` };
  });
  return { status, reason, headers: [...headers, ...(options.headers ?? [])], body: options.body };
}
