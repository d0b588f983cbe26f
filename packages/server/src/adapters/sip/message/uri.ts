// SIP and SIPS URIs (RFC 3261 §19.1, §25.1) with IPv6 references (RFC 5118), and other absolute URIs.
import { isIP } from 'node:net';
import { fail } from './errors.js';
import { escapeUri, unescapeUri } from './scan.js';

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** Unescaped user part, or undefined when the URI has none. */
  user?: string;
  password?: string;
  /** Host name (lower-cased), IPv4 address, or IPv6 reference with its brackets. */
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased, values unescaped; `null` for a name without value. */
  params: Map<string, string | null>;
  /** ?headers, names and values unescaped. */
  headers: [string, string][];
}

/** Any URI that is not SIP or SIPS (tel:, urn:, unknown schemes): kept as written. */
export interface OtherUri {
  scheme: string;
  raw: string;
}

export type Uri = SipUri | OtherUri;

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const PARAM = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const HNV = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Parses an IPv6 reference "[...]"; tolerates the RFC 3261 ABNF's ":::" form (RFC 5118 §4.10). */
export function parseIpv6Reference(ref: string): string {
  const inner = ref.slice(1, -1).replace(':::', '::');
  if (!ref.startsWith('[') || !ref.endsWith(']') || isIP(inner) !== 6) fail(`bad IPv6 reference ${ref}`);
  return `[${inner.toLowerCase()}]`;
}

/** Parses host[:port] (RFC 3261 hostport); returns the normalised host. */
export function parseHostPort(text: string): { host: string; port?: number } {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail('unterminated IPv6 reference');
    host = parseIpv6Reference(text.slice(0, close + 1));
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    if (IPV4.test(host)) {
      if (isIP(host) !== 4) fail(`bad IPv4 address ${host}`);
    } else if (HOSTNAME.test(host)) host = host.toLowerCase();
    else fail(`bad host "${host.slice(0, 40)}"`);
  }
  if (rest === '') return { host };
  if (!/^:[0-9]{1,5}$/.test(rest) || Number(rest.slice(1)) > 65535) fail(`bad port "${rest.slice(0, 12)}"`);
  return { host, port: Number(rest.slice(1)) };
}

/** Parses a URI: SIP/SIPS into its parts, any other scheme kept opaque. */
export function parseUri(text: string, maxLength: number): Uri {
  if (text.length > maxLength) fail(`URI longer than ${maxLength}`);
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon).toLowerCase();
  if (colon < 1 || !/^[a-z][a-z0-9+.-]*$/.test(scheme)) fail(`bad URI "${text.slice(0, 40)}"`);
  if (/[\s<>"]/.test(text)) fail(`bad character in URI "${text.slice(0, 40)}"`);
  if (scheme !== 'sip' && scheme !== 'sips') return { scheme, raw: text };
  let rest = text.slice(colon + 1);
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: [] };
  // The user part may hold "?" and ";" (RFC 4475 §3.1.1.2); neither params nor headers hold "@".
  const at = rest.lastIndexOf('@');
  const question = rest.indexOf('?', at + 1);
  const headerText = question < 0 ? undefined : rest.slice(question + 1);
  if (question >= 0) rest = rest.slice(0, question);
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (!USER.test(user)) fail(`bad user part "${user.slice(0, 40)}"`);
    uri.user = unescapeUri(user);
    if (pc >= 0) {
      const password = userinfo.slice(pc + 1);
      if (!PASSWORD.test(password)) fail('bad password in URI');
      uri.password = unescapeUri(password);
    }
  }
  const [hostport = '', ...params] = rest.split(';');
  Object.assign(uri, parseHostPort(hostport));
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = eq < 0 ? param : param.slice(0, eq);
    const value = eq < 0 ? null : param.slice(eq + 1);
    if (!PARAM.test(name) || (value !== null && !PARAM.test(value))) fail(`bad URI parameter "${param.slice(0, 40)}"`);
    uri.params.set(unescapeUri(name).toLowerCase(), value === null ? null : unescapeUri(value));
  }
  if (headerText !== undefined) {
    for (const header of headerText.split('&')) {
      const eq = header.indexOf('=');
      const name = header.slice(0, eq);
      const value = header.slice(eq + 1);
      if (eq < 1 || !HNV.test(name) || !HNV.test(value)) fail(`bad URI header "${header.slice(0, 40)}"`);
      uri.headers.push([unescapeUri(name), unescapeUri(value)]);
    }
  }
  return uri;
}

const USER_CHARS = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;
const PASSWORD_CHARS = /[A-Za-z0-9\-_.!~*'()&=+$,]/;
const PARAM_CHARS = /[A-Za-z0-9\-_.!~*'()[\]/:&+$]/;
const HNV_CHARS = /[A-Za-z0-9\-_.!~*'()[\]/?:+$]/;

/** Renders a URI, escaping what RFC 3261 §25.1 does not allow unescaped. */
export function renderUri(uri: Uri): string {
  if (!isSipUri(uri)) return uri.raw;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += escapeUri(uri.user, USER_CHARS);
    if (uri.password !== undefined) out += `:${escapeUri(uri.password, PASSWORD_CHARS)}`;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  for (const [name, value] of uri.params) {
    out += `;${escapeUri(name, PARAM_CHARS)}`;
    if (value !== null) out += `=${escapeUri(value, PARAM_CHARS)}`;
  }
  const headers = uri.headers.map(([n, v]) => `${escapeUri(n, HNV_CHARS)}=${escapeUri(v, HNV_CHARS)}`);
  if (headers.length > 0) out += `?${headers.join('&')}`;
  return out;
}
