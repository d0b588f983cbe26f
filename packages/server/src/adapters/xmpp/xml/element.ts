// The XML element every part of the XMPP adapter works on: what the stream parser yields, what
// modules inspect and build, and what is serialised onto a connection. Text is held unescaped.

/** A node of an element's content: a child element or text. */
export type XmlNode = XmlElement | string;

export class XmlElement {
  constructor(
    /** Qualified name as written (`message`, `stream:features`). */
    readonly name: string,
    readonly attrs: Record<string, string> = {},
    readonly children: XmlNode[] = [],
  ) {}

  /** The namespace the element declares itself (`xmlns`), if any. */
  get xmlns(): string | undefined {
    return this.attrs.xmlns;
  }

  attr(name: string): string | undefined {
    return this.attrs[name];
  }

  /** Child elements, optionally only those named `name` (and declaring `xmlns`). */
  elements(name?: string, xmlns?: string): XmlElement[] {
    return this.children.filter(
      (c): c is XmlElement =>
        typeof c !== 'string' && (name === undefined || c.name === name) && (xmlns === undefined || c.xmlns === xmlns),
    );
  }

  /** The first child element named `name` (and declaring `xmlns`). */
  child(name: string, xmlns?: string): XmlElement | undefined {
    return this.elements(name, xmlns)[0];
  }

  /** The first child element declaring `xmlns`, whatever its name (the payload of an IQ). */
  childNs(xmlns: string): XmlElement | undefined {
    return this.elements().find((c) => c.xmlns === xmlns);
  }

  /** The element's own text (its direct text children joined). */
  text(): string {
    return this.children.filter((c): c is string => typeof c === 'string').join('');
  }

  /** The text of the first child named `name` (and declaring `xmlns`). */
  childText(name: string, xmlns?: string): string | undefined {
    return this.child(name, xmlns)?.text();
  }

  /** Appends children (elements or text; null/undefined/false are skipped); returns this. */
  append(...nodes: Child[]): this {
    for (const n of nodes) {
      if (Array.isArray(n)) this.append(...n);
      else if (n !== null && n !== undefined && n !== false) this.children.push(n);
    }
    return this;
  }

  /** A shallow copy with other attributes (e.g. a stanza re-addressed for another session). */
  withAttrs(attrs: Record<string, string | undefined>): XmlElement {
    return new XmlElement(this.name, defined({ ...this.attrs, ...attrs }), this.children);
  }

  /** Serialised XML (escaped; a self-closing tag when empty). */
  toString(): string {
    let out = `<${this.name}`;
    for (const [k, v] of Object.entries(this.attrs)) out += ` ${k}="${escapeAttr(v)}"`;
    if (this.children.length === 0) return `${out}/>`;
    out += '>';
    for (const c of this.children) out += typeof c === 'string' ? escapeText(c) : c.toString();
    return `${out}</${this.name}>`;
  }
}

export type Child = XmlNode | null | undefined | false | Child[];

const defined = (attrs: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(attrs).filter((e): e is [string, string] => e[1] !== undefined));

/**
 * Builds an element; undefined attributes are left out, falsy children skipped.
 * @example
 * x('iq', { type: 'result', id, to }, x('query', { xmlns: 'jabber:iq:version' }, x('name', {}, 'Parley')))
 */
export function x(name: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): XmlElement {
  return new XmlElement(name, defined(attrs)).append(...children);
}

// Most text and attributes have nothing to escape: one test, and the string as it is.
const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"'\t\n\r]/;

export const escapeText = (s: string): string =>
  TEXT_SPECIAL.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;

export const escapeAttr = (s: string): string =>
  ATTR_SPECIAL.test(s)
    ? escapeText(s)
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&apos;')
        .replace(/\t/g, '&#9;')
        .replace(/\n/g, '&#10;')
        .replace(/\r/g, '&#13;')
    : s;
