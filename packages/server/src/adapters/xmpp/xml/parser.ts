// The XMPP stream parser (RFC 6120 §4, §11) on saxes: the stream header, each complete top-level
// element as an XmlElement, and the stream's end; and the RFC 7395 WebSocket variant, where every
// message is one complete element. It accepts only the restricted XML of RFC 6120 §11.1 — no
// DTD, no entity but the five predefined and character references, no processing instruction or
// comment — and bounds what one stanza may cost (size, depth, attributes, children). Every failure
// is a ParseError naming the stream error condition (RFC 6120 §4.9.3) to close the stream with.
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { XmlElement } from './element.js';

export const STREAM_NS = 'http://etherx.jabber.org/streams';
export const CLIENT_NS = 'jabber:client';
export const SERVER_NS = 'jabber:server';
export const FRAMING_NS = 'urn:ietf:params:xml:ns:xmpp-framing';
const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

/** Whether `el` is `<stream:NAME/>` (features, error) as the parser yields it: `NAME` in the streams namespace. */
export const isStreamElement = (el: XmlElement, name: string): boolean => el.name === name && el.xmlns === STREAM_NS;

/** The stream error conditions a parser failure maps to. */
export type ParseCondition = 'not-well-formed' | 'restricted-xml' | 'policy-violation' | 'invalid-namespace';

export class ParseError extends Error {
  constructor(
    readonly condition: ParseCondition,
    message: string,
  ) {
    super(message);
    this.name = 'ParseError';
  }
}

export interface ParserLimits {
  /** Largest stanza, and most text between two stanzas, in characters. */
  maxStanzaSize: number;
  /** Deepest nesting inside a stanza (the stanza itself is depth 1). */
  maxDepth: number;
  maxAttributes: number;
  /** Most child nodes (elements and text runs) of one element. */
  maxChildren: number;
}

/** What a stream says: its header's attributes, a top-level element, or its end. */
export type StreamEvent =
  | { kind: 'open'; attrs: Record<string, string> }
  | { kind: 'element'; element: XmlElement }
  | { kind: 'close' };

/** Keeps what the saxes handlers build; `onRoot` takes every completed element at `rootDepth`. */
export class Builder {
  private readonly stack: { el: XmlElement; uri: string }[] = [];

  constructor(
    private readonly limits: ParserLimits,
    /** The depth of the elements handed out (1 in a stream, 0 in a WebSocket message). */
    private readonly rootDepth: number,
    private readonly onRoot: (el: XmlElement) => void,
  ) {}

  get depth(): number {
    return this.stack.length + this.rootDepth;
  }

  open(tag: SaxesTagNS, parentUri: string): void {
    if (this.stack.length >= this.limits.maxDepth) {
      throw new ParseError('policy-violation', `elements nested deeper than ${this.limits.maxDepth}`);
    }
    const attributes = Object.values(tag.attributes);
    if (attributes.length > this.limits.maxAttributes) {
      throw new ParseError('policy-violation', `more than ${this.limits.maxAttributes} attributes on <${tag.name}>`);
    }
    const attrs: Record<string, string> = {};
    const parent = this.stack.at(-1);
    const inherited = parent?.uri ?? parentUri;
    if (tag.uri !== inherited) attrs.xmlns = tag.uri;
    for (const a of attributes) {
      if (a.uri === XMLNS_URI) continue;
      if (a.prefix !== '' && a.prefix !== 'xml') attrs[`xmlns:${a.prefix}`] = a.uri;
      attrs[a.name] = a.value;
    }
    const el = new XmlElement(tag.local, attrs);
    if (parent) this.add(parent.el, el);
    this.stack.push({ el, uri: tag.uri });
  }

  text(text: string): void {
    const top = this.stack.at(-1);
    if (!top) {
      if (text.trim() !== '') throw new ParseError('not-well-formed', 'text between stanzas');
      return;
    }
    const last = top.el.children.at(-1);
    if (typeof last === 'string') top.el.children[top.el.children.length - 1] = last + text;
    else this.add(top.el, text);
  }

  close(): void {
    const done = this.stack.pop();
    if (done && this.stack.length === 0) this.onRoot(done.el);
  }

  private add(parent: XmlElement, node: XmlElement | string): void {
    if (parent.children.length >= this.limits.maxChildren) {
      throw new ParseError('policy-violation', `more than ${this.limits.maxChildren} children in <${parent.name}>`);
    }
    parent.children.push(node);
  }
}

/** A saxes parser that refuses what RFC 6120 §11.1 restricts; errors are thrown as ParseErrors. */
export function restrictedSaxes(): SaxesParser<{ xmlns: true; position: true }> {
  const sax = new SaxesParser({ xmlns: true, position: true });
  const restricted = (what: string) => () => {
    throw new ParseError('restricted-xml', `${what} are not allowed in XMPP (RFC 6120 §11.1)`);
  };
  sax.on('doctype', restricted('DTDs'));
  sax.on('processinginstruction', restricted('processing instructions'));
  sax.on('comment', restricted('comments'));
  sax.on('error', (err) => {
    if (err instanceof ParseError) throw err;
    if (/undefined entity/.test(err.message)) {
      throw new ParseError('restricted-xml', 'only the predefined entities and character references are allowed');
    }
    throw new ParseError('not-well-formed', err.message);
  });
  return sax;
}

const attrsOf = (tag: SaxesTagNS): Record<string, string> =>
  Object.fromEntries(
    Object.values(tag.attributes)
      .filter((a) => a.uri !== XMLNS_URI)
      .map((a) => [a.name, a.value]),
  );

/**
 * The parser of one TCP stream (restarted after STARTTLS and SASL with `reset`).
 * @example
 * const parser = new StreamParser(limits);
 * for (const event of parser.push(chunk)) handle(event); // throws a ParseError on bad input
 */
export class StreamParser {
  private sax!: SaxesParser<{ xmlns: true; position: true }>;
  private builder!: Builder;
  /** Nothing was pushed since the last reset (STARTTLS resets twice: the stream restarts, and the socket changes). */
  private pristine = false;
  private events: StreamEvent[] = [];
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Where the current stanza (or the text since the last one) began, in characters. */
  private mark = 0;
  private opened = false;
  private closed = false;

  constructor(
    private readonly limits: ParserLimits,
    /** The stream's content namespace: `jabber:client`, or `jabber:server` between servers. */
    private readonly namespace: string = CLIENT_NS,
  ) {
    this.reset();
  }

  /** Starts a new stream (RFC 6120 §4.3.3: after TLS and SASL the client opens a fresh one). */
  reset(): void {
    if (this.pristine) return;
    this.pristine = true;
    const sax = restrictedSaxes();
    this.sax = sax;
    this.opened = false;
    this.closed = false;
    this.mark = 0;
    this.builder = new Builder(this.limits, 1, (element) => {
      this.events.push({ kind: 'element', element });
      this.mark = sax.position;
    });
    sax.on('xmldecl', () => {
      if (this.opened) throw new ParseError('not-well-formed', 'an XML declaration inside the stream');
    });
    sax.on('opentag', (tag) => {
      if (!this.opened) return this.header(tag);
      if (this.builder.depth === 1) this.mark = sax.position;
      this.builder.open(tag, this.namespace);
    });
    sax.on('text', (text) => {
      if (this.opened) this.builder.text(text);
    });
    sax.on('cdata', (text) => this.builder.text(text));
    sax.on('closetag', () => {
      if (this.builder.depth > 1) return this.builder.close();
      this.closed = true;
      this.events.push({ kind: 'close' });
    });
  }

  /** Parses a chunk of the stream; returns the events it completed. Throws a ParseError. */
  push(chunk: Uint8Array | string): StreamEvent[] {
    if (this.closed) return [];
    this.pristine = false;
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    } catch {
      throw new ParseError('not-well-formed', 'not UTF-8');
    }
    const sax = this.sax;
    sax.write(text);
    if (sax !== this.sax) return this.take(); // reset while parsing: the rest belongs to the old stream
    if (sax.position - this.mark > this.limits.maxStanzaSize) {
      throw new ParseError('policy-violation', `a stanza larger than ${this.limits.maxStanzaSize} characters`);
    }
    return this.take();
  }

  private take(): StreamEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private header(tag: SaxesTagNS): void {
    if (tag.local !== 'stream' || tag.uri !== STREAM_NS) {
      throw new ParseError('invalid-namespace', 'the stream must open with <stream:stream> in its namespace');
    }
    if (tag.ns?.[''] !== this.namespace)
      throw new ParseError('invalid-namespace', `the stream's namespace must be ${this.namespace}`);
    this.opened = true;
    this.mark = this.sax.position;
    this.events.push({ kind: 'open', attrs: attrsOf(tag) });
  }
}

/**
 * RFC 7395: one WebSocket message is one complete element — `<open/>` and `<close/>` of the
 * framing namespace, or a stanza (or nonza) declaring its namespace.
 */
export function parseFrame(message: string, limits: ParserLimits): StreamEvent {
  if (message.length > limits.maxStanzaSize) {
    throw new ParseError('policy-violation', `a stanza larger than ${limits.maxStanzaSize} characters`);
  }
  const sax = restrictedSaxes();
  let result: XmlElement | undefined;
  let framing: StreamEvent | undefined;
  const builder = new Builder(limits, 0, (el) => {
    result = el;
  });
  sax.on('xmldecl', () => {
    throw new ParseError('restricted-xml', 'no XML declaration in a WebSocket message (RFC 7395 §3.3.3)');
  });
  sax.on('opentag', (tag) => {
    if (builder.depth === 0 && tag.uri === FRAMING_NS) {
      if (tag.local === 'open') framing = { kind: 'open', attrs: attrsOf(tag) };
      else if (tag.local === 'close') framing = { kind: 'close' };
      else throw new ParseError('invalid-namespace', `<${tag.local}> is not an element of ${FRAMING_NS}`);
    }
    builder.open(tag, CLIENT_NS);
  });
  sax.on('text', (text) => builder.text(text));
  sax.on('cdata', (text) => builder.text(text));
  sax.on('closetag', () => builder.close());
  sax.write(message).close();
  if (framing) return framing;
  if (!result) throw new ParseError('not-well-formed', 'a WebSocket message must hold one element');
  return { kind: 'element', element: result };
}
