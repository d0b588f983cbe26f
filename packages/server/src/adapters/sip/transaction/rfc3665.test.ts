/**
 * RFC 3665 §3.8 (Unsuccessful No Answer) replayed through the transaction layers of Alice (UAC)
 * and Bob (UAS): the recorded messages are fed in, and what the layers send is compared with the
 * recorded messages. The proxies' messages are not used (F11 and F18 carry known errata).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { headerValues, parseDatagram, renderNameAddr, renderUri } from '../message/index.js';
import { cancelFor } from './invite-client.js';
import { type ServerTransaction, TransactionLayer, type TransactionUser } from './layer.js';
import { FakeClock } from './scheduler.js';
import type { SipMessage, SipRequest, SipResponse } from './types.js';

const flow: string[] = parse(
  readFileSync(
    new URL('../../../../test/transcripts/sip/rfc3665-3.08-unsuccessful-no-answer.yaml', import.meta.url),
    'utf8',
  ),
);
const F = (n: number): string => flow[n - 1] as string;

// The RFC text has bare line ends; on the wire (and in its Content-Length values) they are CRLF.
const message = (n: number) => parseDatagram(Buffer.from(F(n).replace(/\r?\n/g, '\r\n')));
const request = (n: number) => message(n) as SipRequest;
const response = (n: number) => message(n) as SipResponse;
/** The fields a transaction compares or builds (no Content-Length, Max-Forwards or other headers). */
const shape = (m: SipMessage) =>
  JSON.parse(
    JSON.stringify({
      start: m.kind === 'request' ? `${m.method} ${renderUri(m.uri)}` : m.status,
      via: m.via.map((v) => [v.transport, v.host, v.port, v.branch]),
      from: renderNameAddr(m.from),
      to: renderNameAddr(m.to),
      callId: m.callId,
      cseq: m.cseq,
    }),
  );

function harness() {
  const sent: SipMessage[] = [];
  const up: string[] = [];
  const server: ServerTransaction<string>[] = [];
  const tu: TransactionUser<string> = {
    request: (r, tx) => {
      server.push(tx);
      up.push(r.method);
    },
    cancel: (_c, tx, invite) => {
      server.push(tx);
      up.push(`CANCEL of ${invite?.request.method}`);
    },
    ack: (a) => up.push(`ACK ${a.method}`),
    response: (r) => up.push(`${r.status}`),
    strayResponse: (r) => up.push(`stray ${r.status}`),
    failed: (_tx, reason) => up.push(reason),
  };
  const clock = new FakeClock();
  const layer = new TransactionLayer<string>({ scheduler: clock, tu, maxTransactions: 10, send: (m) => sent.push(m) });
  return { layer, sent, up, server, clock };
}

describe('RFC 3665 §3.8 Unsuccessful No Answer through the transaction layer', () => {
  test("Alice's side: INVITE, 100, 180, CANCEL, 200, 487 answered by the transaction's own ACK (F20)", () => {
    const { layer, sent, up } = harness();
    layer.sendRequest(request(1), 'proxy1', false);
    layer.receiveResponse(response(3), 'proxy1');
    layer.receiveResponse(response(8), 'proxy1');
    const cancel = cancelFor(request(1));
    assert.deepEqual(shape(cancel), shape(request(9)), 'F9 is the CANCEL of F1');
    layer.sendRequest(cancel, 'proxy1', false);
    layer.receiveResponse(response(10), 'proxy1');
    layer.receiveResponse(response(19), 'proxy1');
    assert.deepEqual(up, ['100', '180', '200', '487']);
    assert.deepEqual(sent.slice(0, 2).map(shape), [request(1), request(9)].map(shape));
    // F20 leaves out the Route of F1, which §17.1.1.3 requires in the ACK; everything else is equal.
    const ack = sent[2] as SipRequest;
    assert.deepEqual(headerValues(ack.headers, 'Route'), headerValues(request(1).headers, 'Route'));
    assert.deepEqual(shape(ack), shape(request(20)));
  });

  test("Bob's side: INVITE, CANCEL matched to it, 487, and the ACK (F16) absorbed", () => {
    const { layer, sent, up, server, clock } = harness();
    layer.receiveRequest(request(4), 'proxy2', false);
    const [invite] = server;
    assert.ok(invite);
    layer.respond(invite, response(6));
    layer.receiveRequest(request(13), 'proxy2', false);
    const cancel = server[1];
    assert.ok(cancel);
    layer.respond(cancel, response(14));
    layer.respond(invite, response(15));
    layer.receiveRequest(request(16), 'proxy2', false);
    assert.deepEqual(up, ['INVITE', 'CANCEL of INVITE']);
    assert.deepEqual(
      sent.map((m) => (m.kind === 'response' ? m.status : m.method)),
      [100, 180, 200, 487],
    );
    clock.advance(32_000);
    assert.equal(layer.size, 0);
  });
});
