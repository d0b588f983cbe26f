// The one outbound policy (DESIGN §9): every server-side connection a tenant admin or a user can
// point somewhere (calendars, directory sources, later SMTP and webhooks) goes through it. Internal
// addresses — loopback, private, link-local, metadata, … — are refused unless the system admin
// listed them in `outbound.allow`. Host names are resolved here, every address they resolve to is
// checked, and the connection goes to an address that was checked (no second lookup that DNS
// rebinding could answer differently).
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why an address is internal; `public` addresses are reachable by default. */
export type AddressKind =
  | 'metadata'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'public';

/** In checking order: the first match names the kind (a metadata address is also link-local). */
const RANGES: [Exclude<AddressKind, 'public'>, string][] = [
  ['metadata', '169.254.169.254/32'], // AWS, GCP, Azure, OpenStack, Oracle
  ['metadata', '100.100.100.200/32'], // Alibaba Cloud
  ['metadata', '168.63.129.16/32'], // Azure WireServer
  ['metadata', 'fd00:ec2::254/128'], // AWS over IPv6
  ['unspecified', '0.0.0.0/8'],
  ['unspecified', '::/128'],
  ['loopback', '127.0.0.0/8'],
  ['loopback', '::1/128'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['private', 'fc00::/7'],
  ['private', 'fec0::/10'], // site-local, deprecated but still routed by some networks
  ['shared', '100.64.0.0/10'],
  ['link-local', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['multicast', '224.0.0.0/4'],
  ['multicast', 'ff00::/8'],
  ['broadcast', '255.255.255.255/32'],
  ['reserved', '240.0.0.0/4'],
  ['reserved', '192.0.0.0/24'], // IETF protocol assignments
  ['reserved', '192.0.2.0/24'], // documentation
  ['reserved', '198.51.100.0/24'],
  ['reserved', '203.0.113.0/24'],
  ['reserved', '198.18.0.0/15'], // benchmarking
  ['reserved', '192.88.99.0/24'], // 6to4 relay anycast
  ['reserved', '100::/64'], // discard
  ['reserved', '2001:db8::/32'], // documentation
  ['reserved', '2001:2::/48'], // benchmarking
];

const DESCRIBED: Record<Exclude<AddressKind, 'public'>, string> = {
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT address',
  'link-local': 'a link-local address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

/** An address or CIDR range (`10.0.0.0/8`, `::1`), or null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const KIND_LISTS = (() => {
  const lists = new Map<Exclude<AddressKind, 'public'>, BlockList>();
  for (const [kind, cidr] of RANGES) {
    const list = lists.get(kind) ?? new BlockList();
    const c = parseCidr(cidr) as NonNullable<ReturnType<typeof parseCidr>>;
    list.addSubnet(c.address, c.prefix, c.family);
    lists.set(kind, list);
  }
  return [...lists];
})();

/** The 16 bytes of an IPv6 address (zone id ignored), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  if (isIP(text) !== 6) return null;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

const v4 = (b: number[], at: number, xor = 0) =>
  b
    .slice(at, at + 4)
    .map((x) => x ^ xor)
    .join('.');
const zero = (b: number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0);

/**
 * The IPv4 address an IPv6 address carries to an IPv4 host: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
 * (2001::/32, the client address inverted). Null for any other address.
 */
export function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(b, 12);
  if (zero(b, 0, 12) && !(zero(b, 12, 15) && (b[15] ?? 0) <= 1)) return v4(b, 12); // not :: or ::1
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zero(b, 4, 12) || (b[4] === 0 && b[5] === 1)) return v4(b, 12);
  }
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b, 2);
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return v4(b, 12, 0xff);
  return null;
}

/**
 * What kind of address this is; an IPv6 address that carries an IPv4 address is judged by that
 * (`via` names it), so ::ffff:127.0.0.1 is loopback like 127.0.0.1.
 */
export function classifyAddress(address: string): { kind: AddressKind; via?: string } {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) throw new Error(`not an IP address: ${address}`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const inner = version === 6 ? embeddedIpv4(bare) : null;
  if (inner !== null) {
    const { kind } = classifyAddress(inner);
    if (kind !== 'public') return { kind, via: inner };
  }
  for (const [kind, list] of KIND_LISTS) if (list.check(bare, family)) return { kind };
  return { kind: 'public' };
}

/** Host names as written in `outbound.allow`: letters, digits, `-`, `_`, dots. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Why an `outbound.allow` entry is no host name, `*.suffix`, address or CIDR range; null if it is one. */
export function allowEntryError(entry: string): string | null {
  const e = entry.trim();
  if (e.includes('/') || isIP(e) !== 0) return parseCidr(e) ? null : `"${entry}" is no valid address or CIDR range`;
  const name = e.startsWith('*.') ? e.slice(2) : e;
  return HOST_NAME.test(name) ? null : `"${entry}" is no host name, *.suffix, address or CIDR range`;
}

/** Refused by the outbound policy: the message names the host and the address, nothing the target said. */
export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
  readonly code = 'EOUTBOUNDREFUSED';
}

/** Resolves a host name to all its addresses (dns.lookup, so /etc/hosts counts as for any client). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) => dns.lookup(host, { all: true });

const normalName = (host: string) => host.toLowerCase().replace(/\.$/, '');
const HINT = '(outbound.allow lets a system administrator allow it)';

/**
 * The outbound policy over `outbound.allow`. An address or range entry allows the addresses in it
 * (whatever host name led there); a host name entry (`crm.corp`, `*.corp.example` for the names
 * under it) allows whatever internal address that name resolves to, except cloud metadata
 * addresses, which only an address or range entry allows.
 */
export class OutboundPolicy {
  private readonly nets = new BlockList();
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly resolver: Resolver;

  /** Throws on an entry that is no host name, `*.suffix`, address or range. */
  constructor(allow: readonly string[], options: { resolver?: Resolver } = {}) {
    this.resolver = options.resolver ?? systemResolver;
    for (const raw of allow) {
      const error = allowEntryError(raw);
      if (error) throw new Error(`outbound.allow: ${error}`);
      const entry = raw.trim();
      const cidr = parseCidr(entry);
      if (cidr) this.nets.addSubnet(cidr.address, cidr.prefix, cidr.family);
      else if (entry.startsWith('*.')) this.suffixes.push(`.${normalName(entry.slice(2))}`);
      else this.names.add(normalName(entry));
    }
  }

  private allowsName(host: string): boolean {
    const name = normalName(host);
    return this.names.has(name) || this.suffixes.some((s) => name.endsWith(s));
  }

  /**
   * Why connecting to `address` (reached through `host`, a name or the address itself) is refused,
   * or null when it is allowed.
   */
  refusal(host: string, address: string): string | null {
    const { kind, via } = classifyAddress(address);
    if (kind === 'public') return null;
    const bare = address.replace(/%.*$/, '');
    const family = isIP(bare) === 4 ? 'ipv4' : 'ipv6';
    if (this.nets.check(bare, family) || (via !== undefined && this.nets.check(via, 'ipv4'))) return null;
    const literal = isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0;
    if (!literal && kind !== 'metadata' && this.allowsName(host)) return null;
    const what = via === undefined ? DESCRIBED[kind] : `${DESCRIBED[kind]} (${via} in IPv6 form)`;
    return literal
      ? `refused: ${address} is ${what} ${HINT}`
      : `refused: ${host} resolves to ${address}, ${what} ${HINT}`;
  }

  /**
   * Every address of `host` (an IP literal stands for itself), each checked: one refused address
   * refuses the host, since DNS may hand out either. Connect to one of these, not to a new lookup.
   */
  async resolve(host: string): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    const version = isIP(bare);
    const addresses = version !== 0 ? [{ address: bare, family: version }] : await this.resolver(bare);
    if (addresses.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    for (const a of addresses) {
      const refused = this.refusal(host, a.address);
      if (refused) throw new OutboundRefusedError(refused);
    }
    return addresses;
  }
}

/** A `lookup` that answers with the given (already checked) addresses, whatever name it is asked. */
export function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => answerLookup(addresses, options, callback);
}

function answerLookup(all: LookupAddress[], options: LookupOptions, callback: Parameters<LookupFunction>[2]) {
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
  const fit = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
  const first = fit[0];
  if (!first) {
    const err: NodeJS.ErrnoException = Object.assign(new Error(`no IPv${family} address`), { code: 'ENOTFOUND' });
    callback(err, '', 0);
  } else if (options.all) callback(null, fit);
  else callback(null, first.address, first.family);
}
