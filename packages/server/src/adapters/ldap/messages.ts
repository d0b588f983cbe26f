// LDAPv3 messages (RFC 4511 §4): the requests a read-only directory server reads, and the
// responses it writes. Reading is strict (a request that does not follow the ASN.1 is a
// protocolError for its message id); writing is what every client reads.
import {
  BerError,
  type BerLimits,
  type BerWriter,
  childrenOf,
  decode,
  type Element,
  readBool,
  readInt,
  readString,
  Tag,
} from './ber.js';
import { type Filter, readFilter } from './filter.js';

/** LDAP result codes (RFC 4511 Appendix A). */
export const Result = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  other: 80,
} as const;
export type ResultCode = (typeof Result)[keyof typeof Result];

/** Protocol op tags ([APPLICATION n]) of requests and their responses. */
export const Op = {
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  searchRequest: 0x63,
  searchResultEntry: 0x64,
  searchResultDone: 0x65,
  modifyRequest: 0x66,
  modifyResponse: 0x67,
  addRequest: 0x68,
  addResponse: 0x69,
  delRequest: 0x4a,
  delResponse: 0x6b,
  modDNRequest: 0x6c,
  modDNResponse: 0x6d,
  compareRequest: 0x6e,
  compareResponse: 0x6f,
  abandonRequest: 0x50,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
} as const;

/** The answer to each request that has one: writes are refused (the directory is read-only). */
export const responseOf: Record<number, number> = {
  [Op.bindRequest]: Op.bindResponse,
  [Op.searchRequest]: Op.searchResultDone,
  [Op.modifyRequest]: Op.modifyResponse,
  [Op.addRequest]: Op.addResponse,
  [Op.delRequest]: Op.delResponse,
  [Op.modDNRequest]: Op.modDNResponse,
  [Op.compareRequest]: Op.compareResponse,
  [Op.extendedRequest]: Op.extendedResponse,
};

export const PAGED_RESULTS = '1.2.840.113556.1.4.319';
export const START_TLS = '1.3.6.1.4.1.1466.20037';
export const WHO_AM_I = '1.3.6.1.4.1.4203.1.11.3';
/** The unsolicited Notice of Disconnection (RFC 4511 §4.4.1). */
export const NOTICE_OF_DISCONNECTION = '1.3.6.1.4.1.1466.20036';

export interface Control {
  oid: string;
  critical: boolean;
  value: Buffer | null;
}

export type Scope = 'base' | 'one' | 'sub';
const scopes: Scope[] = ['base', 'one', 'sub'];

export interface SearchRequest {
  type: 'search';
  base: string;
  scope: Scope;
  sizeLimit: number;
  timeLimit: number;
  typesOnly: boolean;
  filter: Filter;
  attributes: string[];
}

export type Request =
  | { type: 'bind'; version: number; name: string; auth: { simple: string } | { sasl: string } }
  | { type: 'unbind' }
  | SearchRequest
  | { type: 'abandon'; id: number }
  | { type: 'extended'; oid: string; value: Buffer | null }
  /** A write or a compare: refused. */
  | { type: 'refused'; tag: number };

export interface Message {
  id: number;
  request: Request;
  controls: Control[];
}

/** A message that frames but cannot be understood: answered with `code` under its id. */
export class MessageError extends Error {
  override readonly name = 'MessageError';
  constructor(
    readonly id: number,
    /** The response op to answer with (searchResultDone for a search …); extendedResponse when unknown. */
    readonly responseTag: number,
    readonly code: ResultCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads one framed LDAPMessage. A message whose id cannot be read throws BerError (nothing can
 * be answered); one whose operation is malformed throws MessageError with its id.
 */
export function readMessage(bytes: Buffer, limits: BerLimits): Message {
  const root = decode(bytes, limits);
  const parts = childrenOf(root, Tag.sequence, 'LDAPMessage');
  const id = readInt(parts[0], Tag.integer, 'messageID');
  if (id < 0) throw new BerError('negative messageID');
  const op = parts[1];
  const responseTag = (op && responseOf[op.tag]) ?? Op.extendedResponse;
  try {
    if (!op) throw new BerError('no protocol operation');
    const controls = parts[2] ? readControls(parts[2]) : [];
    return { id, request: readRequest(op), controls };
  } catch (err) {
    if (err instanceof BerError) throw new MessageError(id, responseTag, Result.protocolError, err.message);
    throw err;
  }
}

function readControls(e: Element): Control[] {
  return childrenOf(e, 0xa0, 'controls').map((c) => {
    const [type, ...rest] = childrenOf(c, Tag.sequence, 'control');
    const oid = readString(type, Tag.octets, 'controlType');
    let critical = false;
    let value: Buffer | null = null;
    for (const r of rest) {
      if (r.tag === Tag.boolean) critical = readBool(r, 'criticality');
      else if (r.tag === Tag.octets) value = r.value;
      else throw new BerError('control: unexpected element');
    }
    return { oid, critical, value };
  });
}

function readRequest(op: Element): Request {
  switch (op.tag) {
    case Op.bindRequest: {
      const [version, name, auth] = childrenOf(op, Op.bindRequest, 'BindRequest');
      if (!auth) throw new BerError('BindRequest: no authentication');
      const v = readInt(version, Tag.integer, 'version');
      const dn = readString(name, Tag.octets, 'name');
      if (auth.tag === 0x80)
        return { type: 'bind', version: v, name: dn, auth: { simple: auth.value.toString('utf8') } };
      if (auth.tag === 0xa3) {
        const mechanism = readString(auth.children?.[0], Tag.octets, 'SASL mechanism');
        return { type: 'bind', version: v, name: dn, auth: { sasl: mechanism } };
      }
      throw new BerError('BindRequest: unknown authentication choice');
    }
    case Op.unbindRequest:
      return { type: 'unbind' };
    case Op.abandonRequest:
      return { type: 'abandon', id: readInt(op, Op.abandonRequest, 'AbandonRequest') };
    case Op.extendedRequest: {
      const [name, value] = childrenOf(op, Op.extendedRequest, 'ExtendedRequest');
      const oid = readString(name, 0x80, 'requestName');
      if (value && value.tag !== 0x81) throw new BerError('ExtendedRequest: unexpected element');
      return { type: 'extended', oid, value: value?.value ?? null };
    }
    case Op.searchRequest:
      return readSearch(op);
    default:
      if (responseOf[op.tag]) return { type: 'refused', tag: op.tag };
      throw new BerError(`unknown operation 0x${op.tag.toString(16)}`);
  }
}

function readSearch(op: Element): SearchRequest {
  const [base, scope, deref, size, time, types, filter, attrs] = childrenOf(op, Op.searchRequest, 'SearchRequest');
  const s = scopes[readInt(scope, Tag.enumerated, 'scope')];
  if (!s) throw new BerError('SearchRequest: unknown scope');
  readInt(deref, Tag.enumerated, 'derefAliases');
  if (!filter) throw new BerError('SearchRequest: no filter');
  return {
    type: 'search',
    base: readString(base, Tag.octets, 'baseObject'),
    scope: s,
    sizeLimit: Math.max(0, readInt(size, Tag.integer, 'sizeLimit')),
    timeLimit: Math.max(0, readInt(time, Tag.integer, 'timeLimit')),
    typesOnly: readBool(types, 'typesOnly'),
    filter: readFilter(filter),
    attributes: childrenOf(attrs, Tag.sequence, 'attributes').map((a) => readString(a, Tag.octets, 'attribute')),
  };
}

/** The paged results control's value (RFC 2696): the page size and the cookie. */
export function readPaging(value: Buffer | null, limits: BerLimits): { size: number; cookie: Buffer } {
  if (!value) throw new BerError('paged results control without a value');
  const [size, cookie] = childrenOf(decode(value, limits), Tag.sequence, 'paged results');
  return { size: Math.max(0, readInt(size, Tag.integer, 'size')), cookie: expectOctets(cookie) };
}

const expectOctets = (e: Element | undefined) => {
  if (!e || e.tag !== Tag.octets) throw new BerError('paged results: cookie is not an OCTET STRING');
  return e.value;
};

// Writing: each response is one LDAPMessage appended to a BerWriter, so a search's entries and
// its SearchResultDone go out as one buffer.

/** What a SearchResultDone carries of a paged search (RFC 2696): the size estimate and the next cookie. */
export interface Paging {
  total: number;
  cookie: Buffer;
}

/** An LDAPResult under the response tag (BindResponse, SearchResultDone …), with the paging control if given. */
export function writeResult(
  w: BerWriter,
  id: number,
  tag: number,
  code: ResultCode,
  message = '',
  paging: Paging | null = null,
): void {
  w.start(Tag.sequence).int(id);
  w.start(tag).int(code, Tag.enumerated).octets('').octets(message).end();
  if (paging) {
    w.start(0xa0).start(Tag.sequence).octets(PAGED_RESULTS);
    // The control's value is an OCTET STRING holding the BER of realSearchControlValue.
    w.start(Tag.octets).start(Tag.sequence).int(paging.total).octets(paging.cookie).end().end();
    w.end().end();
  }
  w.end();
}

export function writeExtended(
  w: BerWriter,
  id: number,
  code: ResultCode,
  message: string,
  oid?: string,
  value?: Buffer,
): void {
  w.start(Tag.sequence).int(id);
  w.start(Op.extendedResponse).int(code, Tag.enumerated).octets('').octets(message);
  if (oid) w.octets(oid, 0x8a);
  if (value) w.octets(value, 0x8b);
  w.end().end();
}

/** One attribute of an entry: its name as sent, its canonical key (attributeKey) and its values. */
export interface Attribute {
  name: string;
  key: string;
  values: string[];
}

/** Which attributes a search asked for (RFC 4511 §4.5.1.8): all, none (`1.1`), or these keys; values or types only. */
export interface Selection {
  all: boolean;
  keys: Set<string>;
  typesOnly: boolean;
}

/** A SearchResultEntry of the attributes `selection` picks. */
export function writeEntry(w: BerWriter, id: number, dn: string, attributes: Attribute[], selection: Selection): void {
  w.start(Tag.sequence).int(id);
  w.start(Op.searchResultEntry).octets(dn).start(Tag.sequence);
  for (const a of attributes) {
    if (!selection.all && !selection.keys.has(a.key)) continue;
    w.start(Tag.sequence).octets(a.name).start(Tag.set);
    if (!selection.typesOnly) for (const v of a.values) w.octets(v);
    w.end().end();
  }
  w.end().end().end();
}
