import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { Outbound } from './outbound.js';

test('events of one run of handlers leave in order, in one corked write, before what was queued after them; flush before close loses nothing', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: number[] = [];
  const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
  client.on('message', (data) => received.push(JSON.parse(String(data)).n));
  await new Promise((r) => client.once('open', r));
  const ws = await serverSide;

  // Count what reaches the kernel: corked writes leave as one _writev instead of a _write per chunk.
  const raw = (ws as unknown as { _socket: Record<'_write' | '_writev', (...a: unknown[]) => unknown> })._socket;
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = raw[name].bind(raw);
    raw[name] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  const out = new Outbound(ws);
  try {
    for (let n = 0; n < 100; n++) out.push({ n });
    assert.equal(writes, 0, 'nothing written while the handlers run');
    // Out as soon as they have run: before anything queued after them, not at the next turn.
    await Promise.resolve();
    assert.equal(writes, 1, `100 frames took ${writes} socket writes`);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      received,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.ok(writes <= 2, `100 frames took ${writes} socket writes`);

    out.push({ n: 100 });
    out.flush();
    ws.close(4401);
    assert.equal(await closed, 4401);
    assert.equal(received.at(-1), 100, 'the event queued before close arrived');
  } finally {
    client.terminate();
    ws.terminate();
    await new Promise((r) => wss.close(r));
  }
});
