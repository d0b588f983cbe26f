import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { FederationNet } from '../federation/checker.js';
import type { Srv } from '../federation/steps.js';
import { ConnectError, dial } from './connect.js';

let listening: Server;
let open: number;
let closed: number;

before(async () => {
  listening = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  open = (listening.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closed = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
after(() => listening.close());

const err = (code: string) => Object.assign(new Error(code), { code });

/** A net whose SRV answers come from `srv` (an Error is thrown) and whose hosts resolve as `hosts` says. */
const netOf = (srv: Record<string, Srv[] | Error>, hosts: Record<string, string[]>): FederationNet => ({
  resolveSrv: async (name) => {
    const answer = srv[name] ?? err('ENOTFOUND');
    if (answer instanceof Error) throw answer;
    return answer;
  },
  outbound: {
    resolve: async (host) => {
      const addresses = hosts[host];
      if (!addresses) throw err('ENOTFOUND');
      return addresses.map((address) => ({ address, family: 4 }));
    },
  },
  ca: [],
  timeoutMs: 2000,
});

const srvOf = (name: string, port: number): Srv[] => [{ name, port, priority: 0, weight: 0 }];

test('dial: SRV targets, the fallback, and what each failure bounces as', async () => {
  const cases: [string, FederationNet, { port?: number; directTls?: boolean; failure?: string; message?: RegExp }][] = [
    [
      'an _xmpp-server SRV record: STARTTLS at its port',
      netOf({ '_xmpp-server._tcp.p.test': srvOf('srv.p.test', open) }, { 'srv.p.test': ['127.0.0.1'] }),
      { port: open, directTls: false },
    ],
    [
      'an _xmpps-server SRV record first: direct TLS',
      netOf(
        {
          '_xmpps-server._tcp.p.test': srvOf('tls.p.test', open),
          '_xmpp-server._tcp.p.test': srvOf('srv.p.test', closed),
        },
        { 'tls.p.test': ['127.0.0.1'], 'srv.p.test': ['127.0.0.1'] },
      ),
      { port: open, directTls: true },
    ],
    [
      'a first target refusing: the next one',
      netOf(
        {
          '_xmpp-server._tcp.p.test': [
            ...srvOf('a.p.test', closed),
            { ...(srvOf('b.p.test', open)[0] as Srv), priority: 5 },
          ],
        },
        { 'a.p.test': ['127.0.0.1'], 'b.p.test': ['127.0.0.1'] },
      ),
      { port: open },
    ],
    [
      'SRV "." : not offered',
      netOf({ '_xmpp-server._tcp.p.test': srvOf('.', 0) }, {}),
      { failure: 'not-found', message: /offers no/ },
    ],
    ['no SRV and no address: not found', netOf({}, {}), { failure: 'not-found', message: /ENOTFOUND/ }],
    [
      'a DNS failure other than "none": not found, saying so',
      netOf({ '_xmpp-server._tcp.p.test': err('EREFUSED') }, {}),
      { failure: 'not-found', message: /DNS lookup of _xmpp-server\._tcp\.p\.test failed/ },
    ],
    [
      'the only target refuses: not found (a timeout would be remote-server-timeout)',
      netOf({ '_xmpp-server._tcp.p.test': srvOf('srv.p.test', closed) }, { 'srv.p.test': ['127.0.0.1'] }),
      { failure: 'not-found', message: /ECONNREFUSED/ },
    ],
  ];
  for (const [what, net, expected] of cases) {
    try {
      const { socket, target } = await dial('p.test', net);
      socket.destroy();
      assert.equal(expected.failure, undefined, `${what}: connected`);
      assert.equal(target.port, expected.port, what);
      if (expected.directTls !== undefined) assert.equal(target.directTls, expected.directTls, what);
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      assert.equal(e.failure, expected.failure, `${what}: ${e.message}`);
      assert.match(e.message, expected.message ?? /./, what);
    }
  }
});
