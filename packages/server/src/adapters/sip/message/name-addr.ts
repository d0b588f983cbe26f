// name-addr / addr-spec with parameters: From, To, Contact, Route, Record-Route (RFC 3261 §20.10, §25.1).
import { fail } from './errors.js';
import { isToken, parseDecimal, parseParams, quote, readQuoted, renderParams, type SipParams } from './scan.js';
import { parseUri, renderUri, type Uri } from './uri.js';

export interface NameAddr {
  /** Decoded display name, undefined when there is none. */
  displayName?: string;
  uri: Uri;
  /** Header parameters (tag, expires, q, …), after the URI. */
  params: SipParams;
}

/** Parses one name-addr or addr-spec followed by parameters. */
export function parseNameAddr(value: string, maxUriLength: number): NameAddr {
  const text = value.trim();
  let displayName: string | undefined;
  let rest = text;
  if (text.startsWith('"')) {
    const { text: name, end } = readQuoted(text, 0);
    displayName = name;
    rest = text.slice(end).trimStart();
    if (!rest.startsWith('<')) fail('quoted display name without <URI>');
  } else {
    const lt = text.indexOf('<');
    if (lt > 0) {
      const words = text.slice(0, lt).trim();
      if (!words.split(/ +/).every(isToken)) fail(`bad display name "${words.slice(0, 40)}"`);
      displayName = words;
      rest = text.slice(lt);
    }
  }
  if (rest.startsWith('<')) {
    const gt = rest.indexOf('>');
    if (gt < 0) fail('unterminated <');
    const uriText = rest.slice(1, gt);
    if (uriText !== uriText.trim()) fail('white space inside <URI>');
    return { displayName, uri: parseUri(uriText, maxUriLength), params: parseParams(rest.slice(gt + 1)) };
  }
  // addr-spec: the URI ends at the first ";" and may not contain "?" or "," (RFC 3261 §20.10).
  const semi = rest.indexOf(';');
  const uriText = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  if (/[?,]/.test(uriText)) fail('URI with "?" or "," outside <>');
  return { uri: parseUri(uriText, maxUriLength), params: parseParams(semi < 0 ? '' : rest.slice(semi)) };
}

export function renderNameAddr(addr: NameAddr): string {
  const name = addr.displayName === undefined ? '' : `${quote(addr.displayName)} `;
  return `${name}<${renderUri(addr.uri)}>${renderParams(addr.params)}`;
}

/** The tag parameter of From or To. */
export function tagOf(addr: NameAddr): string | undefined {
  return addr.params.get('tag') ?? undefined;
}

/** Contact: either "*" (remove all bindings) or a list of addresses. */
export type ContactList = '*' | NameAddr[];

/** Largest delta-seconds; larger values are taken as this (RFC 3261 §20.19, §25.1). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** Parses delta-seconds, capping it at 2^32-1. */
export function parseDeltaSeconds(text: string, what: string): number {
  return parseDecimal(text, what, MAX_DELTA_SECONDS, 'cap');
}

/** The expires parameter of a Contact, if any. */
export function contactExpires(contact: NameAddr): number | undefined {
  const value = contact.params.get('expires');
  return value === undefined || value === null ? undefined : parseDeltaSeconds(value, 'Contact expires');
}

/** The q parameter of a Contact (0 to 1, up to three decimals), if any. */
export function contactQ(contact: NameAddr): number | undefined {
  const value = contact.params.get('q');
  if (value === undefined || value === null) return undefined;
  if (!/^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(value)) fail('bad Contact q value');
  return Number(value);
}
