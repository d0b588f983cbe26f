// Which addresses identify calls from a trunk: entries an admin writes (`192.0.2.10`,
// `192.0.2.10:5060`, `[2001:db8::1]:5060`, `192.0.2.0/24`). Pure functions.
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../../platform/outbound.js';

export interface Source {
  net: BlockList;
  port?: number;
}

/** An entry as a source, or why it is none. */
export function readSource(entry: string): Source | string {
  const text = entry.trim();
  const withPort = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:/]+):(\d{1,5})$/.exec(text);
  const address = withPort ? (withPort[1] as string) : text;
  const port = withPort ? Number(withPort[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return `"${entry}": the port must be 1 to 65535`;
  if (port !== undefined && isIP(address) === 0) return `"${entry}": a port goes with an address, not a range`;
  const cidr = parseCidr(address);
  if (!cidr) return `"${entry}" is no IP address, address:port or CIDR range`;
  // A provider's gateways, not the world: a wide range would take other tenants' traffic as its calls.
  const widest = cidr.family === 'ipv4' ? 16 : 48;
  if (cidr.prefix < widest) return `"${entry}" is wider than /${widest}`;
  const net = new BlockList();
  net.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return { net, ...(port !== undefined && { port }) };
}

/** Whether a request from `address`:`port` comes from one of `sources`. */
export function fromSources(sources: readonly Source[], address: string, port: number): boolean {
  const bare = address.replace(/^::ffff:(?=\d+\.)/, '');
  const family = isIP(bare) === 6 ? 'ipv6' : 'ipv4';
  return sources.some((s) => (s.port === undefined || s.port === port) && s.net.check(bare, family));
}
