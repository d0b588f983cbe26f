// Via (RFC 3261 §20.42, §18.2.1), with rport (RFC 3581) and IPv6 received values (RFC 5118 §4.5).
import { fail } from './errors.js';
import { isToken, parseParams, renderParams, type SipParams } from './scan.js';
import { parseHostPort } from './uri.js';

export interface Via {
  /** Protocol name and version, normally "SIP" and "2.0". */
  protocol: string;
  version: string;
  /** Transport token upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  received?: string;
  /** rport: `true` when present without a value (a request asking for it), the port in a response. */
  rport?: number | true;
  params: SipParams;
}

const SENT_PROTOCOL = /^([^\s/]+) ?\/ ?([^\s/]+) ?\/ ?([^\s/;]+) ?(.*)$/;

/** Parses one via-parm (one element of a Via list). */
export function parseVia(value: string): Via {
  const text = value.replace(/[ \t]+/g, ' ').trim();
  const m = SENT_PROTOCOL.exec(text);
  if (!m) fail('bad Via sent-protocol');
  const [, protocol = '', version = '', transport = '', rest = ''] = m;
  if (![protocol, version, transport].every(isToken)) fail('bad Via sent-protocol');
  const semi = rest.indexOf(';');
  const sentBy = (semi < 0 ? rest : rest.slice(0, semi)).trim().replace(/ ?: ?/, ':');
  if (sentBy === '') fail('Via without sent-by');
  const params = parseParams(semi < 0 ? '' : rest.slice(semi));
  const via: Via = { protocol, version, transport: transport.toUpperCase(), ...parseHostPort(sentBy), params };
  const branch = params.get('branch');
  if (branch === null) fail('Via branch without value');
  if (branch !== undefined) via.branch = branch;
  const received = params.get('received');
  if (received === null) fail('Via received without value');
  if (received !== undefined) via.received = received;
  const rport = params.get('rport');
  if (rport === null) via.rport = true;
  else if (rport !== undefined) {
    if (!/^[0-9]{1,5}$/.test(rport) || Number(rport) > 65535) fail('bad Via rport');
    via.rport = Number(rport);
  }
  return via;
}

/** Renders a Via value from its parameters map (branch, received and rport live there). */
export function renderVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.version}/${via.transport} ${via.host}${port}${renderParams(via.params)}`;
}
