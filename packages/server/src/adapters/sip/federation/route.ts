// Where another domain's SIP over TLS server is (RFC 3263 §4.2 with RFC 2782's SRV order): the
// configured address, else SRV `_sips._tcp.DOMAIN`, else the domain itself at 5061. Federation
// is TLS only, so `_sip._tcp` records (plain TCP ports) are not used.
import type { FederationPeer } from './trust.js';

export interface HostPort {
  host: string;
  port: number;
}

/** An SRV answer (node:dns `SrvRecord`). */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export const SIPS_PORT = 5061;

/** `host:port` or `[v6]:port`. */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`not host:port: ${text}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * SRV targets in the order to try them (RFC 2782): lower priority first; within a priority, a
 * weighted random draw (`random` in [0, 1)). A single target "." means the service is not offered.
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): HostPort[] {
  if (records.length === 1 && records[0]?.name === '.') return [];
  const out: HostPort[] = [];
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  for (const priority of priorities) {
    const left = records.filter((r) => r.priority === priority && r.name !== '.');
    // Zero-weight records first, so that they have a small chance when others weigh (RFC 2782).
    left.sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + r.weight, 0);
      let draw = random() * total;
      let index = left.findIndex((r) => {
        draw -= r.weight;
        return draw < 0;
      });
      if (index < 0) index = 0;
      const [chosen] = left.splice(index, 1) as [SrvRecord];
      out.push({ host: chosen.name.replace(/\.$/, ''), port: chosen.port });
    }
  }
  return out;
}

/** The servers to try for a peer, given its SRV answer (undefined: none published, or not asked). */
export function peerRoutes(
  peer: FederationPeer,
  srv: readonly SrvRecord[] | undefined,
  random?: () => number,
): HostPort[] {
  if (peer.address) return [parseHostPort(peer.address)];
  if (srv && srv.length > 0) return orderSrv(srv, random);
  return [{ host: peer.domain, port: SIPS_PORT }];
}
