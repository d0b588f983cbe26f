// STUN keep-alives on the SIP UDP port (RFC 5626 §4.4.2, §8): a phone registered with outbound
// over UDP sends STUN Binding requests to its edge proxy to keep its NAT binding open and to see
// when its public address changes. SIP and STUN share the port; a STUN message starts with a
// byte of 0 or 1, which no SIP message does (RFC 5626 §8, RFC 7983 §7).
import { isIPv4, isIPv6 } from 'node:net';

const HEADER = 20;
const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const MAPPED_ADDRESS = 0x0001;
const XOR_MAPPED_ADDRESS = 0x0020;

/** Whether a datagram on the SIP port is STUN rather than SIP (its first byte is 0 or 1). */
export const isStun = (datagram: Buffer): boolean => datagram.length > 0 && datagram.readUInt8(0) < 2;

/** The 4 or 16 bytes of an IP address (IPv4-mapped IPv6 addresses as IPv4). */
function addressBytes(address: string): Buffer | undefined {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) return Buffer.from(v4.split('.').map(Number));
  if (!isIPv6(address)) return undefined;
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function addressAttribute(type: number, port: number, ip: Buffer, mask?: Buffer): Buffer {
  const value = Buffer.alloc(4 + ip.length);
  value[1] = ip.length === 4 ? 0x01 : 0x02;
  value.writeUInt16BE(mask ? port ^ (MAGIC >>> 16) : port, 2);
  for (let i = 0; i < ip.length; i++) value.writeUInt8(ip.readUInt8(i) ^ (mask ? mask.readUInt8(i) : 0), 4 + i);
  const attribute = Buffer.alloc(4);
  attribute.writeUInt16BE(type, 0);
  attribute.writeUInt16BE(value.length, 2);
  return Buffer.concat([attribute, value]);
}

/**
 * The Binding success response to a STUN Binding request from `remote` (RFC 5389 §7.3, §15.2,
 * with MAPPED-ADDRESS too for RFC 3489 clients, §12.2); undefined for anything else (other STUN
 * methods, responses, malformed or truncated messages), which the caller drops.
 */
export function stunBindingResponse(datagram: Buffer, remote: { address: string; port: number }): Buffer | undefined {
  if (datagram.length < HEADER || !isStun(datagram)) return undefined;
  const type = datagram.readUInt16BE(0);
  const length = datagram.readUInt16BE(2);
  if (type !== BINDING_REQUEST || length % 4 !== 0 || HEADER + length !== datagram.length) return undefined;
  const ip = addressBytes(remote.address);
  if (!ip) return undefined;
  // The magic cookie and transaction id: what XOR-MAPPED-ADDRESS is masked with (§15.2).
  const cookieAndId = datagram.subarray(4, HEADER);
  const modern = datagram.readUInt32BE(4) === MAGIC;
  const attributes = [
    ...(modern ? [addressAttribute(XOR_MAPPED_ADDRESS, remote.port, ip, cookieAndId)] : []),
    addressAttribute(MAPPED_ADDRESS, remote.port, ip),
  ];
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(BINDING_SUCCESS, 0);
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, cookieAndId, body]);
}
