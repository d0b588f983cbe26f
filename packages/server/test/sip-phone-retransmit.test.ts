// The test phone's UDP client transactions resend as RFC 3261 §17.1 says, so one datagram lost at
// a suite's start does not fail the suite.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { parseDatagram, renderMessage, respond } from '../src/adapters/sip/message/index.js';
import { SipPhone } from './support/sip-phone.js';

test('a REGISTER whose first datagram is lost is sent again and gets its answer', async (t) => {
  const server = createSocket('udp4');
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const seen: number[] = [];
  server.on('message', (bytes, from) => {
    const request = parseDatagram(bytes);
    if (request.kind !== 'request') return;
    seen.push(Date.now());
    if (seen.length === 1) return; // lost
    server.send(renderMessage(respond(request, 200, 'OK', { toTag: 'srv' })), from.port, from.address);
  });
  const phone = await SipPhone.open({
    server: { host: '127.0.0.1', port: server.address().port },
    aor: 'alice@example.test',
    username: 'alice',
    password: 'secret',
  });
  t.after(() => phone.close());
  const response = await phone.register(60);
  assert.equal(response.status, 200);
  assert.equal(seen.length, 2, 'sent twice, and not again once answered');
  assert.ok((seen[1] as number) - (seen[0] as number) >= 450, 'Timer E starts at T1 (500 ms)');
});
