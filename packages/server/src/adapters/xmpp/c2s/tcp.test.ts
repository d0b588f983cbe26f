import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { TcpTransport } from './tcp.js';

const limits = { maxStanzaSize: 65_536, maxDepth: 16, maxAttributes: 32, maxChildren: 256 };

/** A TcpTransport on the server end of a loopback connection, the client end and what it received. */
async function pair(): Promise<{
  transport: TcpTransport;
  raw: Socket;
  client: Socket;
  received(): string;
  close(): void;
}> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port });
  const [raw] = (await once(server, 'connection')) as [Socket];
  const transport = new TcpTransport(raw, {
    limits,
    rate: { bytesPerSecond: 1_000_000, burstSeconds: 1 },
    now: () => Date.now(),
  });
  transport.listen({ event: () => {}, failed: () => {}, closed: () => {}, active: () => {} });
  let received = '';
  client.setEncoding('utf8').on('data', (text: string) => {
    received += text;
  });
  return {
    transport,
    raw,
    client,
    received: () => received,
    close: () => {
      client.destroy();
      raw.destroy();
      server.close();
    },
  };
}

test('what a stream sends in one turn leaves in one write, at the end of the turn', async () => {
  const { transport, raw, received, close } = await pair();
  try {
    transport.header({ id: 'abc', version: '1.0' });
    transport.send(x('stream:features', {}, x('bind')));
    assert.equal(raw.writableCorked, 1, 'held until the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(raw.writableCorked, 0);
    transport.send(x('iq', { id: 'next' }));
    assert.equal(raw.writableCorked, 1, 'the next turn holds its own');
    for (let i = 0; i < 500 && !received().includes('id="next"') && !received().includes("id='next'"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.match(
      received(),
      /^<\?xml version='1\.0'\?><stream:stream id="abc".*<stream:features><bind\/><\/stream:features><iq id=.next.\/>$/,
    );
  } finally {
    close();
  }
});

test('ending the stream sends what waits at once, then closes', async () => {
  const { transport, raw, client, received, close } = await pair();
  try {
    transport.send(x('message', { id: 'last' }));
    transport.end();
    assert.equal(raw.writableCorked, 0);
    await once(client, 'end');
    assert.match(received(), /<message id=.last.\/><\/stream:stream>$/);
  } finally {
    close();
  }
});
