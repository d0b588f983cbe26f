// Where a request really comes from when a proxy or balancer we trust relayed it (the SIP
// counterpart of X-Forwarded-For): RFC 3261 §18.2.1 has every hop stamp the address it received
// the request from into the Via below its own (`received`, or the sent-by host when they agree).
import { isIP } from 'node:net';
import type { SipRequest } from '../message/index.js';

/**
 * The address of the client that sent `request`: `source` (the packet's), unless that is one of
 * `trusted`; then the address the trusted hop saw, read from the Via under its own, and so on
 * down while that address is trusted too. A Via that names no address (a host name without
 * `received`) ends the walk at the last trusted hop, which is all that is known then.
 *
 * @example
 * // Via: SIP/2.0/UDP 10.0.0.10;branch=…, SIP/2.0/UDP 192.168.1.7:5062;received=198.51.100.4;rport=40112
 * clientAddress(request, '10.0.0.10', new Set(['10.0.0.10'])); // '198.51.100.4'
 */
export function clientAddress(request: SipRequest, source: string, trusted: ReadonlySet<string>): string {
  let address = source;
  for (const via of request.via.slice(1)) {
    if (!trusted.has(address)) break;
    const seen = via.received ?? via.host.replace(/^\[(.*)\]$/, '$1');
    if (isIP(seen) === 0) break;
    address = seen;
  }
  return address;
}
