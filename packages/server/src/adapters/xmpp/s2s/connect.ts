// How an outbound s2s stream reaches a domain (RFC 6120 §3.2, XEP-0368): the SRV targets
// (`_xmpps-server._tcp` direct TLS, `_xmpp-server._tcp` STARTTLS, else the domain at 5269) in
// the order `targetsOf` gives, each of their addresses through the outbound policy, the first
// that accepts a TCP connection wins. Failures say which bounce their stanzas get.
import { type Socket, connect as tcpConnect } from 'node:net';
import type { FederationNet } from '../federation/checker.js';
import { type Srv, type Target, targetsOf } from '../federation/steps.js';
import type { OutboundFailure } from './policy.js';

export class ConnectError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** The most addresses one attempt tries (each bounded by the net's timeout). */
const MAX_ATTEMPTS = 6;

const none = (err: unknown) => ['ENOTFOUND', 'ENODATA'].includes((err as { code?: string }).code ?? '');

async function srv(net: FederationNet, name: string): Promise<Srv[]> {
  try {
    return await net.resolveSrv(name);
  } catch (err) {
    if (none(err)) return [];
    throw new ConnectError('not-found', `the DNS lookup of ${name} failed (${(err as Error).message})`);
  }
}

function connectTo(host: string, port: number, family: number, ms: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, family });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError('timeout', `${host}:${port} did not answer within ${Math.round(ms / 1000)} s`));
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectError('refused', `${host}:${port}: ${err.message}`));
    });
  });
}

/**
 * A TCP connection to a server of `domain` and the target it reached (direct TLS or STARTTLS).
 * @example const { socket, target } = await dial('partner.example', net);
 */
export async function dial(domain: string, net: FederationNet): Promise<{ socket: Socket; target: Target }> {
  const [xmpps, xmpp] = await Promise.all([
    srv(net, `_xmpps-server._tcp.${domain}`),
    srv(net, `_xmpp-server._tcp.${domain}`),
  ]);
  const targets = targetsOf(domain, xmpps, xmpp);
  if (targets.length === 0) throw new ConnectError('not-found', `${domain} offers no server-to-server XMPP (SRV ".")`);
  const problems: string[] = [];
  let tried = 0;
  let timedOut = false;
  for (const target of targets) {
    let addresses: { address: string; family: number }[];
    try {
      addresses = await net.outbound.resolve(target.host);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    for (const a of addresses) {
      if (tried++ >= MAX_ATTEMPTS) break;
      try {
        return { socket: await connectTo(a.address, target.port, a.family, net.timeoutMs), target };
      } catch (err) {
        if (err instanceof ConnectError && err.failure === 'timeout') timedOut = true;
        problems.push((err as Error).message);
      }
    }
  }
  const why = problems.join('; ') || `no address for ${domain}`;
  throw new ConnectError(tried > 0 && timedOut ? 'timeout' : 'not-found', why);
}
