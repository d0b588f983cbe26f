// RFC 3261 §7 message parsing: start line, header fields, body framing (§18.3), with limits.
import { fail, type SipErrorContext, SipParseError } from './errors.js';
import { headerValues, parseHeaderLines, SINGLE_HEADERS, type SipHeader, singleHeader } from './headers.js';
import { DEFAULT_SIP_LIMITS, type SipLimits } from './limits.js';
import { type ContactList, type NameAddr, parseDeltaSeconds, parseNameAddr } from './name-addr.js';
import { isToken, parseDecimal } from './scan.js';
import { isSipUri, parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

export interface SipMessageBase {
  /** Every header field in message order; list headers split into one field per element. */
  headers: SipHeader[];
  body: Buffer;
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: { seq: number; method: string };
  /** Contact list when the header is present. */
  contact?: ContactList;
  /** Expires header in seconds (values above 2^32-1 are capped). */
  expires?: number;
  contentType?: string;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: Uri;
  maxForwards?: number;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

type StartLine =
  | { kind: 'request'; method: string; uriText: string }
  | { kind: 'response'; status: number; reason: string };

/** A parsed start line and header section, before the body is known. */
export interface SipHead {
  start: StartLine;
  headers: SipHeader[];
  /** Content-Length when present. */
  contentLength?: number;
}

const MAX_CSEQ = 2 ** 31 - 1;

/** How name-addrs and URIs are read: the parsers, or (for messages this server builds) memoised ones. */
export interface FieldReaders {
  nameAddr(text: string, maxUriLength: number): NameAddr;
  uri(text: string, maxUriLength: number): Uri;
}

const PARSERS: FieldReaders = { nameAddr: parseNameAddr, uri: parseUri };

function parseStartLine(line: string): StartLine {
  if (line.startsWith('SIP/')) {
    const m = /^SIP\/2\.0 ([1-6][0-9]{2}) (.*)$/.exec(line);
    if (!m) fail('bad status line');
    return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '' };
  }
  const m = /^([^ ]+) ([^ ]+) SIP\/([0-9]+\.[0-9]+)$/.exec(line);
  if (!m || !isToken(m[1] ?? '')) fail('bad request line');
  if (m[3] !== '2.0') throw new SipParseError(`SIP version ${m[3]} not supported`, 'drop', 505);
  return { kind: 'request', method: m[1] as string, uriText: m[2] as string };
}

/** Raw values needed to answer a broken request (RFC 3261 §8.2.6), if they are all there once. */
function errorContext(head: SipHead): SipErrorContext | undefined {
  if (head.start.kind !== 'request') return undefined;
  const names = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
  const headers = head.headers.filter((h) => names.includes(h.name));
  for (const name of names) {
    const count = headers.filter((h) => h.name === name).length;
    if (count === 0 || (name !== 'Via' && count > 1)) return undefined;
  }
  return { method: head.start.method, headers };
}

/** Runs `parse`; a failure is answerable when the head is a request with the headers to answer it. */
function withContext<T>(head: SipHead, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof SipParseError) || error.action !== 'drop') throw error;
    const context = errorContext(head);
    if (!context) throw error;
    throw new SipParseError(error.reason, 'respond', error.status, context);
  }
}

/**
 * Parses the start line and the header section (without the empty line that ends it).
 * Lines end with CRLF; a bare LF is tolerated.
 */
export function parseHead(bytes: Buffer, limits: SipLimits = DEFAULT_SIP_LIMITS): SipHead {
  const lines = bytes.toString('utf8').split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    // A UTF-16 unit is at most 3 UTF-8 bytes: most lines need no count.
    if (line.length * 3 > limits.maxLineBytes && Buffer.byteLength(line) > limits.maxLineBytes)
      fail(`line longer than ${limits.maxLineBytes} bytes`);
  }
  let start: StartLine | undefined;
  let version: SipParseError | undefined;
  try {
    start = parseStartLine(lines[0] ?? '');
  } catch (error) {
    // A wrong version is answered with 505 once the headers say where to.
    if (!(error instanceof SipParseError) || error.status !== 505) throw error;
    version = error;
    const [method = ''] = (lines[0] ?? '').split(' ');
    start = { kind: 'request', method, uriText: '' };
  }
  const head: SipHead = { start, headers: [] };
  return withContext(head, () => {
    head.headers = parseHeaderLines(lines.slice(1), limits);
    if (version) throw version;
    const length = singleHeader(head.headers, 'Content-Length');
    if (length !== undefined) head.contentLength = parseDecimal(length, 'Content-Length', limits.maxBodyBytes);
    return head;
  });
}

/** Sets Contact, Expires and Content-Type on `base` from `headers` where they are present. */
export function readOptionalFields(
  base: SipMessageBase,
  headers: readonly SipHeader[],
  limits: SipLimits,
  read: FieldReaders = PARSERS,
): void {
  const contacts = headerValues(headers, 'Contact');
  if (contacts.length === 1 && contacts[0] === '*') base.contact = '*';
  else if (contacts.length > 0) base.contact = contacts.map((c) => read.nameAddr(c, limits.maxUriLength));
  const expires = singleHeader(headers, 'Expires');
  if (expires !== undefined) base.expires = parseDeltaSeconds(expires, 'Expires');
  const contentType = singleHeader(headers, 'Content-Type');
  if (contentType !== undefined) base.contentType = contentType;
}

function parseFields(head: SipHead, body: Buffer, limits: SipLimits, read: FieldReaders = PARSERS): SipMessage {
  const { headers, start } = head;
  for (const name of SINGLE_HEADERS) singleHeader(headers, name);
  const required = (name: string): string => {
    const value = singleHeader(headers, name);
    if (value === undefined) fail(`${name} missing`);
    return value;
  };
  const via = headerValues(headers, 'Via').map(parseVia);
  if (via.length === 0) fail('Via missing');
  const from = read.nameAddr(required('From'), limits.maxUriLength);
  const to = read.nameAddr(required('To'), limits.maxUriLength);
  const callId = required('Call-ID');
  if (!/^[!-~]+$/.test(callId)) fail('bad Call-ID');
  const cseqMatch = /^([0-9]+) ?([^ ]+)$/.exec(required('CSeq').replace(/[ \t]+/g, ' '));
  if (!cseqMatch || !isToken(cseqMatch[2] as string)) fail('bad CSeq');
  const cseq = { seq: parseDecimal(cseqMatch[1] as string, 'CSeq', MAX_CSEQ), method: cseqMatch[2] as string };
  const base: SipMessageBase = { headers, body, via, from, to, callId, cseq };
  readOptionalFields(base, headers, limits, read);
  if (start.kind === 'response') return { kind: 'response', status: start.status, reason: start.reason, ...base };
  if (cseq.method !== start.method) fail(`CSeq method ${cseq.method} differs from ${start.method}`);
  const request: SipRequest = {
    kind: 'request',
    method: start.method,
    uri: read.uri(start.uriText, limits.maxUriLength),
    ...base,
  };
  // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (isSipUri(request.uri) && request.uri.headers.length > 0) fail('headers in the Request-URI');
  const maxForwards = singleHeader(headers, 'Max-Forwards');
  if (maxForwards !== undefined) request.maxForwards = parseDecimal(maxForwards, 'Max-Forwards', 255);
  return request;
}

/** Builds the typed message from a head and its body (framed by the caller). */
export function completeMessage(
  head: SipHead,
  body: Buffer,
  limits: SipLimits = DEFAULT_SIP_LIMITS,
  read: FieldReaders = PARSERS,
): SipMessage {
  return withContext(head, () => parseFields(head, body, limits, read));
}

/** Index of the empty line ending the header section and the length of that terminator. */
export function findHeadEnd(bytes: Buffer, from = 0): { at: number; length: number } | undefined {
  const crlf = bytes.indexOf('\r\n\r\n', from);
  const lf = bytes.indexOf('\n\n', from);
  if (crlf < 0 && lf < 0) return undefined;
  if (lf >= 0 && (crlf < 0 || lf < crlf + 2)) return { at: lf, length: 2 };
  return { at: crlf, length: 4 };
}

/**
 * Parses one UDP datagram (RFC 3261 §18.3): the body is Content-Length bytes (the rest of the
 * datagram when absent); extra bytes after it are ignored; a shorter body is an error.
 * A WebSocket message carries exactly one SIP message (RFC 7118 §5) and is parsed the same way.
 */
export function parseDatagram(datagram: Buffer, limits: SipLimits = DEFAULT_SIP_LIMITS): SipMessage {
  if (datagram.length > limits.maxMessageBytes) fail(`message larger than ${limits.maxMessageBytes} bytes`);
  const end = findHeadEnd(datagram);
  const head = parseHead(end ? datagram.subarray(0, end.at) : datagram, limits);
  return withContext(head, () => {
    if (!end) fail('header section not ended by an empty line');
    const rest = datagram.subarray(end.at + end.length);
    const length = head.contentLength ?? rest.length;
    if (length > limits.maxBodyBytes) fail(`body larger than ${limits.maxBodyBytes} bytes`);
    if (length > rest.length) fail(`Content-Length ${length} but ${rest.length} body bytes`);
    return parseFields(head, rest.subarray(0, length), limits);
  });
}
