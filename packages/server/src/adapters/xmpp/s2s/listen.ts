// The server-to-server listener (`xmpp.s2s`, `--xmpp-s2s-port`): plain TCP with STARTTLS required,
// the certificate by SNI, the peer's certificate asked for (SASL EXTERNAL), the parser limits, the
// byte rate and the connections per address of client streams.
import { createServer } from 'node:net';
import type { AdapterContext } from '../../adapter.js';
import { parserLimits } from '../c2s/hub.js';
import type { ConnectionLimit } from '../c2s/rate.js';
import { TcpTransport } from '../c2s/tcp.js';
import { SERVER_NS } from '../xml/parser.js';
import type { S2sHub } from './hub.js';
import { S2sInStream } from './stream-in.js';

export async function listenS2s(
  ctx: AdapterContext<{ s2s: { host: string; port: number } }>,
  hub: S2sHub,
  perAddress: ConnectionLimit,
  streams: Set<S2sInStream>,
): Promise<void> {
  const tls = hub.certificates.peerOptions(hub.net.ca);
  const { limits } = hub.config;
  const server = createServer((socket) => {
    const release = perAddress.take(socket.remoteAddress ?? '-');
    if (!release) {
      hub.log.warn({ address: socket.remoteAddress }, 'XMPP s2s connection refused: too many from this address');
      socket.destroy();
      return;
    }
    const transport = new TcpTransport(socket, {
      limits: parserLimits(hub.config),
      rate: limits,
      now: () => hub.core.ctx.clock.now(),
      peerTls: tls,
      namespace: SERVER_NS,
    });
    const stream = new S2sInStream(hub, transport);
    streams.add(stream);
    socket.once('close', () => {
      streams.delete(stream);
      release();
    });
  });
  await ctx.listen(server, {
    name: 'xmpp-s2s',
    setting: 'xmpp.s2s',
    host: ctx.config.s2s.host,
    port: ctx.config.s2s.port,
    scheme: 'xmpp',
    serves: 'XMPP servers (federation, STARTTLS)',
  });
}
