// The <body/> wrapper of BOSH (XEP-0124 §4) carrying XMPP (XEP-0206): a request's attributes
// and payloads, parsed with the stream parser's restrictions and limits (no DTD, no entities but
// the predefined ones, no comments or processing instructions), and the answer rendered back.

import { type XmlElement, x } from '../../xml/element.js';
import { Builder, CLIENT_NS, ParseError, type ParserLimits, restrictedSaxes, STREAM_NS } from '../../xml/parser.js';
import { framed } from '../websocket.js';

export const BOSH_NS = 'http://jabber.org/protocol/httpbind';
export const XBOSH_NS = 'urn:xmpp:xbosh';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

/** A request's `<body/>`: its attributes (`xmpp:…` for XEP-0206's, whatever prefix the client used) and payloads. */
export interface BoshBody {
  attrs: Record<string, string>;
  payloads: XmlElement[];
}

/** The terminal binding conditions (XEP-0124 §17.2) this server sends. */
export type BoshCondition =
  | 'bad-request'
  | 'host-unknown'
  | 'item-not-found'
  | 'policy-violation'
  | 'remote-stream-error'
  | 'system-shutdown';

/** How a parse failure is reported: a limit broken is a policy violation, anything else a bad request. */
export const conditionOf = (err: ParseError): BoshCondition =>
  err.condition === 'policy-violation' ? 'policy-violation' : 'bad-request';

/**
 * Parses one request body. Payloads in the `jabber:client` namespace (or in BOSH's own, as many
 * clients send them — XEP-0206 §3) come out without `xmlns`, as the TCP stream parser yields them.
 * Throws a ParseError.
 */
export function parseBody(text: string, limits: ParserLimits): BoshBody {
  const sax = restrictedSaxes();
  const payloads: XmlElement[] = [];
  let attrs: Record<string, string> | undefined;
  let closed = false;
  const builder = new Builder(limits, 1, (el) => {
    const ns = el.attrs.xmlns;
    payloads.push(ns === BOSH_NS || ns === CLIENT_NS ? el.withAttrs({ xmlns: undefined }) : el);
  });
  sax.on('xmldecl', () => {
    if (attrs) throw new ParseError('not-well-formed', 'an XML declaration inside the body');
  });
  sax.on('opentag', (tag) => {
    if (attrs) return builder.open(tag, CLIENT_NS);
    if (tag.local !== 'body' || tag.uri !== BOSH_NS) {
      throw new ParseError('invalid-namespace', `a request is one <body xmlns='${BOSH_NS}'/>`);
    }
    attrs = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === XMLNS_URI) continue;
      if (a.uri === XBOSH_NS) attrs[`xmpp:${a.local}`] = a.value;
      else if (a.uri === XML_NS) attrs[`xml:${a.local}`] = a.value;
      else if (a.uri === '') attrs[a.local] = a.value;
    }
  });
  sax.on('text', (t) => builder.text(t));
  sax.on('cdata', (t) => builder.text(t));
  sax.on('closetag', () => {
    if (builder.depth > 1) return builder.close();
    closed = true;
  });
  sax.write(text).close();
  if (!attrs || !closed) throw new ParseError('not-well-formed', 'no complete <body/>');
  return { attrs, payloads };
}

/** A response `<body/>` with `payloads` (stanzas declare `jabber:client`, as over WebSocket). */
export function renderBody(attrs: Record<string, string | undefined>, payloads: readonly XmlElement[] = []): string {
  const streams = payloads.some((p) => p.name.startsWith('stream:'));
  const wrapper = x('body', {
    xmlns: BOSH_NS,
    'xmlns:xmpp': Object.keys(attrs).some((k) => k.startsWith('xmpp:')) ? XBOSH_NS : undefined,
    'xmlns:stream': streams ? STREAM_NS : undefined,
    ...attrs,
  });
  // The wrapper declares the streams prefix once for every payload.
  return wrapper.append(payloads.map((p) => (p.name.startsWith('stream:') ? p : framed(p)))).toString();
}

/** A terminal binding error (XEP-0124 §17.2), with what was left to send (a `stream:error` among it). */
export const terminateBody = (condition?: BoshCondition, payloads: readonly XmlElement[] = []): string =>
  renderBody({ type: 'terminate', condition }, payloads);
