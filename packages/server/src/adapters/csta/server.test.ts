import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { FrameReader, renderFrame } from './framing.js';
import { writeBatched } from './server.js';

test('frames written by one run of handlers leave in order, in one write, before what was queued after them; ending the connection sends what is queued', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverSide = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const reader = new FrameReader(65_535);
  const received: string[] = [];
  client.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk)) received.push(f.xml.toString('utf8'));
  });
  const ended = new Promise((r) => client.once('end', r));
  const socket = await serverSide;
  // Count what reaches the kernel: a corked batch leaves as one _writev instead of a _write per frame.
  const raw = socket as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = raw[name].bind(raw);
    raw[name] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  const frame = (n: number) => renderFrame('header', '9999', `<E n="${n}"/>`);
  try {
    for (let n = 0; n < 100; n++) writeBatched(socket, frame(n));
    assert.equal(writes, 0, 'nothing written while the handlers run');
    // Out as soon as they have run: before anything queued after them, not at the next turn.
    await Promise.resolve();
    assert.equal(writes, 1, `100 frames took ${writes} socket writes`);
    const expected = Array.from({ length: 100 }, (_, n) => `<E n="${n}"/>`);
    for (let waited = 0; received.length < 100 && waited < 10_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(received, expected);

    // A frame and the end in the same turn (a session's last answer, then hang-up): the frame still goes.
    writeBatched(socket, frame(100));
    socket.end();
    await ended;
    assert.equal(received.at(-1), '<E n="100"/>');
  } finally {
    client.destroy();
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
});
