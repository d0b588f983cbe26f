// Keep-alives of phones behind NAT (RFC 5626 §3.5, §4.4): coturn's STUN client (RFC 5389, an
// implementation nobody on this team wrote) sends Binding requests to Parley's SIP UDP port and
// must get its own address back, while SIP on the same port goes on; a TCP connection's
// double-CRLF ping gets its single-CRLF pong.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runProcess } from '../support/cli.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { freeSipPort, optionsRequest, probeBinary } from './support/sip-peers.js';

const STUNCLIENT = process.env.PARLEY_TEST_STUNCLIENT ?? 'turnutils_stunclient';

// It prints its usage with a non-zero exit when run bare, so its presence is what is probed.
const skip = await requirePeer('coturn STUN client', () => probeBinary('sh', ['-c', `command -v ${STUNCLIENT}`]));

describe('SIP keep-alives', { skip }, () => {
  let t: TestServer;
  const port = (name: string) => {
    const listener = t.listeners.find((l) => l.name === name);
    assert.ok(listener, `no ${name} listener`);
    return listener.port;
  };

  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.stop());

  test('a STUN Binding request on the SIP UDP port is answered with the client’s address', async () => {
    const local = await freeSipPort();
    const r = await runProcess(STUNCLIENT, ['-p', String(port('sip-udp')), '-L', '127.0.0.1', '127.0.0.1'], {
      timeoutMs: 60_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    // turnutils_stunclient prints the reflexive address it was told ("UDP reflexive addr: …").
    assert.match(out, /reflexive addr: 127\.0\.0\.1:\d+/i, out);
    assert.doesNotMatch(out, /error|timeout/i, out);
    // SIP on the same port still answers.
    const socket = createSocket('udp4');
    socket.bind(local, '127.0.0.1');
    await once(socket, 'listening');
    const options = optionsRequest(
      'example.test',
      `SIP/2.0/UDP 127.0.0.1:${local};rport;branch=z9hG4bK-keepalive`,
      'keepalive-1',
    );
    socket.send(options, port('sip-udp'), '127.0.0.1');
    const [reply] = (await once(socket, 'message')) as [Buffer];
    socket.close();
    assert.match(reply.toString(), /^SIP\/2\.0 200 /);
  });

  test('a double-CRLF ping on a TCP connection gets a single-CRLF pong', async () => {
    const socket = connect(port('sip-tcp'), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('\r\n\r\n');
    const [pong] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    assert.equal(pong.toString('hex'), '0d0a');
  });
});
