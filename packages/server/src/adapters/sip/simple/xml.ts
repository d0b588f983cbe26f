// XML for the SIMPLE bodies: escaping for what we render, a guarded parse for what phones send.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** What XML 1.0 cannot carry: controls other than tab/LF/CR, lone surrogates, U+FFFE/F. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or attribute content, escaped (quotes too) and with characters XML cannot carry dropped. */
export const xmlEscape = (s: string): string =>
  s
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** Epoch milliseconds as an xs:dateTime in UTC. */
export const xmlTime = (ms: number): string => new Date(ms).toISOString();

export interface XmlLimits {
  /** Body size in bytes (UTF-8). */
  maxBytes: number;
  /** Element nesting depth. */
  maxDepth: number;
  /** Element count. */
  maxElements: number;
}

/** Why a body was refused; the message names the rule, never quotes the body. */
export class XmlBodyError extends Error {
  override readonly name = 'XmlBodyError';
}

/** An element as `parseXmlBody` gives it: local name (prefix removed), attributes, children, text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  ignoreDeclaration: true,
});

const predefined: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Resolves the predefined entities and character references; any other entity is refused. */
function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);|&/gi, (all, ref: string | undefined) => {
    const cp =
      ref?.startsWith('#x') || ref?.startsWith('#X')
        ? Number.parseInt(ref.slice(2), 16)
        : ref?.startsWith('#')
          ? Number(ref.slice(1))
          : null;
    if (cp !== null) {
      if (cp > 0x10ffff || (cp < 0x20 && ![9, 10, 13].includes(cp))) throw new XmlBodyError('bad character reference');
      return String.fromCodePoint(cp);
    }
    const v = ref === undefined ? undefined : predefined[ref];
    if (v === undefined) throw new XmlBodyError(`undeclared entity ${all.slice(0, 20)}`);
    return v;
  });
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElement(node: Ordered): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text') return null;
  const kids = (node[name] as Ordered[]) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const k of kids) {
    if ('#text' in k) text += decode(String(k['#text']));
    else {
      const child = toElement(k);
      if (child) children.push(child);
    }
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(node[':@'] ?? {})) if (!k.startsWith('xmlns')) attrs[k] = decode(String(v));
  return { name, attrs, children, text };
}

/**
 * Parses a whole XML body into its root element, after checking size, that it has no DTD,
 * entity declaration or processing instruction (the XML declaration aside), and depth and element
 * count on the raw text, so nothing large or expanding reaches the parser.
 */
export function parseXmlBody(body: string, limits: XmlLimits): XmlElement {
  if (Buffer.byteLength(body, 'utf8') > limits.maxBytes) throw new XmlBodyError(`body over ${limits.maxBytes} bytes`);
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new XmlBodyError('DTDs and entity declarations are not accepted');
  const markup = body
    .replace(/^\uFEFF?\s*(<\?xml\s[^>]*\?>)?/, '')
    .replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  if (markup.includes('<?')) throw new XmlBodyError('processing instructions are not accepted');
  let depth = 0;
  let elements = 0;
  for (const m of markup.matchAll(/<(\/?)[^>]*?(\/?)>/g)) {
    if (m[1]) depth--;
    else {
      elements++;
      if (!m[2]) depth++;
      if (depth > limits.maxDepth) throw new XmlBodyError(`nested deeper than ${limits.maxDepth}`);
      if (elements > limits.maxElements) throw new XmlBodyError(`more than ${limits.maxElements} elements`);
    }
  }
  if (XMLValidator.validate(body) !== true) throw new XmlBodyError('not well-formed XML');
  const roots = (parser.parse(body) as Ordered[]).map(toElement).filter((e): e is XmlElement => e !== null);
  if (roots.length !== 1 || !roots[0]) throw new XmlBodyError('not one root element');
  return roots[0];
}

/** The children of `el` with this local name. */
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);

/** The first child of `el` with this local name. */
export const childNamed = (el: XmlElement, name: string): XmlElement | undefined =>
  el.children.find((c) => c.name === name);
