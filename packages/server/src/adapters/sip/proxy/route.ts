// The proxy core of a node in front of the connections it holds (RFC 3261 §16.4, §16.6, §16.7;
// RFC 5626 §5.3 edge proxy): what to do with a request whose top Route is this node with a flow
// token, how the forwarded request and the returning response look. Pure functions.
import {
  headerValues,
  isSipUri,
  makeRequest,
  makeResponse,
  parseNameAddr,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../message/index.js';
import { type FlowTokens, isFlowToken } from './flow-token.js';

export type RouteDecision =
  /** Not routed through this node by a flow token: the request is for this node's own services. */
  | { kind: 'local' }
  | { kind: 'refuse'; status: number; reason: string }
  /** Towards the device on the flow the token names (it came from elsewhere, e.g. another node). */
  | { kind: 'to-flow'; flowId: string; recordRoute: boolean }
  /** From the device on that flow, onwards to the next hop (the next Route, else the Request-URI). */
  | { kind: 'onward'; next: { host: string; port: number } };

/** Requests that make a dialog the node record-routes, so the dialog's later requests pass it too. */
const DIALOG_MAKING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

/** The SIP URI of a Route value, undefined when it does not parse or is not SIP. */
function routeUri(value: string | undefined): SipUri | undefined {
  if (value === undefined) return undefined;
  try {
    const { uri } = parseNameAddr(value, 1024);
    return isSipUri(uri) ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** The URI of a Route (or Path) value that is a loose route with a flow token, of any node. */
function flowRouteUri(value: string | undefined): SipUri | undefined {
  const uri = routeUri(value);
  return uri?.params.has('lr') && isFlowToken(uri.user) ? uri : undefined;
}

/** Whether a Route (or Path) value is a loose route with a flow token, of any node. */
export const isFlowRoute = (value: string | undefined): boolean => flowRouteUri(value) !== undefined;

const hostPort = (uri: SipUri) => ({ host: uri.host, port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060) });

/**
 * The decision for a request that arrived on flow `arrivedOn`: its top Route is a loose route
 * with a flow token, or the request is local. A token that does not verify is refused (403, RFC
 * 5626 §5.3); a request that has used up its Max-Forwards gets 483 (§16.3).
 */
export function decide(request: SipRequest, arrivedOn: string, tokens: FlowTokens): RouteDecision {
  const [top, second] = headerValues(request.headers, 'Route');
  const uri = flowRouteUri(top);
  if (!uri) return { kind: 'local' };
  const token = tokens.read(uri.user);
  if (token.kind !== 'flow') return { kind: 'refuse', status: 403, reason: 'Forbidden (bad flow token)' };
  if (request.maxForwards === 0) return { kind: 'refuse', status: 483, reason: 'Too Many Hops' };
  if (token.flowId !== arrivedOn) {
    const recordRoute = DIALOG_MAKING.has(request.method) && request.to.params.get('tag') === undefined;
    return { kind: 'to-flow', flowId: token.flowId, recordRoute };
  }
  const next = second === undefined ? (isSipUri(request.uri) ? request.uri : undefined) : routeUri(second);
  if (!next) return { kind: 'refuse', status: 416, reason: 'Unsupported URI Scheme' };
  return { kind: 'onward', next: hostPort(next) };
}

/**
 * The request as this node forwards it (§16.6): its own Via on top, the top Route (this node)
 * removed, Max-Forwards one less, and a Record-Route of this node when asked.
 */
export function forwarded(request: SipRequest, via: SipHeader, recordRoute?: string): SipRequest {
  let routePopped = false;
  const headers: SipHeader[] = [via];
  if (recordRoute) headers.push({ name: 'Record-Route', value: recordRoute });
  for (const h of request.headers) {
    if (h.name === 'Route' && !routePopped) routePopped = true;
    else if (h.name !== 'Max-Forwards') headers.push(h);
  }
  headers.push({ name: 'Max-Forwards', value: String((request.maxForwards ?? 70) - 1) });
  return makeRequest(request.method, request.uri, headers, request.body);
}

/** A response on its way back (§16.7 step 3): this node's Via, the top one, removed. */
export function upstream(response: SipResponse): SipResponse {
  const top = response.headers.findIndex((h) => h.name === 'Via');
  const headers = response.headers.filter((_, i) => i !== top);
  return makeResponse({ status: response.status, reason: response.reason, headers, body: response.body });
}
