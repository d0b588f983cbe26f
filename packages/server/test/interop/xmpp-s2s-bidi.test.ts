// Parley and Prosody 0.12 (Debian's, with its mod_s2s_bidi) on one bidirectional s2s stream
// (XEP-0288): whichever server opens the connection, a message goes each way over it and neither
// side opens a second one — Parley's log shows one stream for the domain, in or out, marked bidi,
// and Prosody's that it asked for (or granted) bidirectionality. ejabberd 23.01 does not speak
// XEP-0288. The namespace, DNS and CA are those of xmpp-s2s.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { freePort } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type SlixmppClient, startSlixmpp, xmppPeersMissing } from './support/xmpp-client.js';
import {
  createXmppNet,
  parleyOnNet,
  randomPassword,
  startXmppPeer,
  type XmppNet,
  type XmppPeer,
} from './support/xmpp-peers.js';

const skip = await xmppPeersMissing();
/** Parley opens the stream to OUT; IN's Prosody opens the one to Parley. */
const OUT = 'g.test';
const IN = 'h.test';

let net: XmppNet;
let server: TestServer;
let bob: SlixmppClient;
const password = randomPassword();
const peers = new Map<string, XmppPeer>();
const clients: SlixmppClient[] = [];
const log: Record<string, unknown>[] = [];

before(async () => {
  if (skip) return;
  const s2sPort = await freePort();
  net = await createXmppNet({ domains: [OUT, IN], outside: [{ domain: 'parley.test', s2sPort }] });
  for (const domain of [OUT, IN]) {
    peers.set(
      domain,
      await startXmppPeer(net, 'prosody', { domain, bidi: true, users: [{ user: 'alice', password }] }),
    );
  }
  server = await startTestServer(parleyOnNet(net, s2sPort), {
    log: pino({ level: 'info' }, { write: (line: string) => log.push(JSON.parse(line)) }),
  });
  const user = await server.user('bob@parley.test');
  const port = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  bob = await startSlixmpp(net, { jid: 'bob@parley.test', password: user.password, host: net.hostAddress, port });
  clients.push(bob);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await server?.stop();
  await Promise.all([...peers.values()].map((p) => p.stop()));
  net?.close();
});

/** `from` sends `to` a message, which `to` (a client there) receives from `from`. */
async function send(from: SlixmppClient, fromJid: string, to: SlixmppClient, toJid: string): Promise<void> {
  const body = `bidi ${randomPassword()}`;
  const mark = to.events.length;
  await from.ask({ cmd: 'message', to: toJid, body });
  const got = await to.wait((e) => e.event === 'message' && e.body === body, mark, `${fromJid} → ${toJid}`);
  assert.equal(got.from?.split('/')[0], fromJid);
}

/** Parley's streams with `remote` as its log tells: authenticated in, out, and whether bidi. */
const streams = (remote: string) =>
  log
    .filter(
      (r) =>
        r.remote === remote && (r.msg === 'XMPP s2s peer authenticated' || r.msg === 'XMPP s2s stream authenticated'),
    )
    .map((r) => `${r.s2s} ${r.bidi ? 'bidi' : 'one-way'}`);

test('Parley opens the stream, Prosody offers bidi: a message each way on that one stream', { skip }, async () => {
  const alice = await startSlixmpp(net, { jid: `alice@${OUT}`, password });
  clients.push(alice);
  await send(bob, 'bob@parley.test', alice, `alice@${OUT}`);
  await send(alice, `alice@${OUT}`, bob, 'bob@parley.test');
  assert.deepEqual(streams(OUT), ['out bidi']);
  assert.match(peers.get(OUT)?.log() ?? '', /Requested bidirectional stream/);
});

test('Prosody opens the stream and asks for bidi: Parley answers on it and opens none', { skip }, async () => {
  const alice = await startSlixmpp(net, { jid: `alice@${IN}`, password });
  clients.push(alice);
  await send(alice, `alice@${IN}`, bob, 'bob@parley.test');
  await send(bob, 'bob@parley.test', alice, `alice@${IN}`);
  assert.deepEqual(streams(IN), ['in bidi']);
  assert.match(peers.get(IN)?.log() ?? '', /Requesting bidirectional stream/);
});
