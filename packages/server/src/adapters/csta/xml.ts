// ECMA-323 messages as XML: the guarded parse of the SIMPLE bodies (no DTD, entities or processing
// instructions; size, depth and element limits) plus the namespace that says the edition, and a
// small renderer for what we send.
import {
  childNamed,
  parseXmlBody,
  XmlBodyError,
  type XmlElement,
  type XmlLimits,
  xmlEscape,
} from '../sip/simple/xml.js';

export { childNamed, XmlBodyError, type XmlElement, type XmlLimits };

/** ECMA-323 editions 2 to 6: `http://www.ecma-international.org/standards/ecma-323/csta/edN`. */
export const editions = [2, 3, 4, 5, 6] as const;
export type Edition = (typeof editions)[number];
export const cstaNamespace = (edition: Edition) =>
  `http://www.ecma-international.org/standards/ecma-323/csta/ed${edition}`;
/** ECMA-354 application session services. */
export const SESSION_NAMESPACE = 'http://www.ecma-international.org/standards/ecma-354/appl_session';
/** The edition a connection speaks before it says otherwise (the captured links use it). */
export const DEFAULT_EDITION: Edition = 4;

/** The edition a namespace names, if it is an ECMA-323 one we accept. */
export function editionOf(namespace: string | null): Edition | undefined {
  const m = /^https?:\/\/www\.ecma-international\.org\/standards\/ecma-323\/csta\/ed(\d)$/.exec(namespace ?? '');
  const n = Number(m?.[1]);
  return editions.find((e) => e === n);
}

/** A parsed message: its root (local name, children) and the root's namespace. */
export interface CstaMessage {
  root: XmlElement;
  namespace: string | null;
}

/** The namespace of the document's root element, read from its start tag (prefixed or default). */
function rootNamespace(xml: string): string | null {
  const body = xml.replace(/^\uFEFF?\s*(<\?xml\s[^>]*\?>)?/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(body);
  if (!tag) return null;
  const prefix = tag[1]?.slice(0, -1);
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (const m of (tag[2] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (m[1] === attr) return (m[2] ?? m[3] ?? '').trim();
  }
  return null;
}

/** Parses one message within `limits`; throws XmlBodyError (the sender gets a CSTA error). */
export function parseMessage(xml: string, limits: XmlLimits): CstaMessage {
  const root = parseXmlBody(xml, limits);
  return { root, namespace: rootNamespace(xml) };
}

/** The trimmed text of a child, if it is there. */
export const textOf = (el: XmlElement | undefined, name: string): string | undefined => {
  const child = el && childNamed(el, name);
  return child?.text.trim();
};

/** Rendered markup: what `el` returns and takes as children. */
export type Markup = { readonly markup: string };

/**
 * An element: text content (escaped), children, or nothing (`<name/>`); undefined children are left out.
 * @example el('connection', [el('callID', 'c1'), el('deviceID', '201')]).markup // <connection><callID>c1</callID>…
 */
export function el(name: string, content?: string | number | boolean | (Markup | undefined)[]): Markup {
  if (content === undefined) return { markup: `<${name}/>` };
  const inner = Array.isArray(content) ? content.map((c) => c?.markup ?? '').join('') : xmlEscape(String(content));
  return { markup: inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>` };
}

/** A whole document: the XML declaration and the root in its namespace. */
export const document = (root: string, namespace: string, children: (Markup | undefined)[] = []): string =>
  `<?xml version="1.0" encoding="UTF-8"?>${el(root, children).markup.replace(`<${root}`, `<${root} xmlns="${xmlEscape(namespace)}"`)}`;
